/* cmd-metrics.c - "dormant metrics": counts by status and domain in the
 * Prometheus text format, for node_exporter's textfile collector (written
 * atomically with -o, as that collector requires). */
#include "cli.h"
#include "i18n.h"
#include "outfile.h"
#include "output.h"
#include "report.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

/* A label value: the domain as text_safe() prints it (every byte that is
   not plain visible text escaped, injectively: distinct domains give
   distinct labels, so no series is printed twice, which node_exporter
   would reject), then the exposition format's own escapes for backslash
   and double quote (text_safe leaves no newline). NULL if out of memory;
   the caller frees the result. */
static char *label_value(const char *s)
{
	char *text = NULL, *label = NULL;
	size_t size = 0, lsize = 0;
	FILE *f = open_memstream(&text, &size);

	if (f == NULL)
		return NULL;
	text_safe(f, s, strlen(s));
	if (fclose(f) == 0 && (f = open_memstream(&label, &lsize)) != NULL) {
		for (size_t i = 0; i < size; i++) {
			if (text[i] == '\\' || text[i] == '"')
				fputc('\\', f);
			fputc(text[i], f);
		}
		if (fclose(f) != 0) {
			free(label);
			label = NULL;
		}
	}
	free(text);
	return label;
}

/* 0, or -1 (printed). */
static int metrics_write(struct report *rep, int64_t tracking_start, FILE *out)
{
	fputs("# HELP dormant_accounts Accounts by domain and dormancy status.\n"
	      "# TYPE dormant_accounts gauge\n", out);
	for (size_t i = 0; i < rep->ndomains; i++) {
		char *label = label_value(rep->domains[i].domain);

		if (label == NULL) {
			cli_error(_("out of memory"));
			return -1;
		}
		for (int s = 0; s < STATUS_COUNT; s++)
			fprintf(out, "dormant_accounts{domain=\"%s\",status=\"%s\"} %lu\n",
				label, policy_status_name((enum account_status)s),
				rep->domains[i].counts[s]);
		free(label);
	}
	fputs("# HELP dormant_accounts_total Accounts known to dormant.\n"
	      "# TYPE dormant_accounts_total gauge\n", out);
	fprintf(out, "dormant_accounts_total %lu\n", rep->total);
	fputs("# HELP dormant_events_month Wake-up and refusal events this month.\n"
	      "# TYPE dormant_events_month gauge\n", out);
	fprintf(out, "dormant_events_month %lu\n", rep->events);
	fputs("# HELP dormant_alerts_month Alerts this month by kind (dormant alerts).\n"
	      "# TYPE dormant_alerts_month gauge\n", out);
	for (int k = 1; k <= EVENT_KIND_LAST; k++)
		fprintf(out, "dormant_alerts_month{kind=\"%s\"} %lu\n",
			event_kind_name((enum event_kind)k), rep->events_by_kind[k]);
	fputs("# HELP dormant_tracking_start_seconds When the activity history begins.\n"
	      "# TYPE dormant_tracking_start_seconds gauge\n", out);
	fprintf(out, "dormant_tracking_start_seconds %lld\n", (long long)tracking_start);
	fputs("# HELP dormant_corrupt_records Records that could not be read.\n"
	      "# TYPE dormant_corrupt_records gauge\n", out);
	fprintf(out, "dormant_corrupt_records %lu\n", rep->errors);
	return 0;
}

static int metrics_run(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	const char *output = "-";
	struct view_ctx view;
	struct report rep;
	struct store *store;
	struct outfile *of;
	const char *error = NULL;
	FILE *out;
	int c, ret;

	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		if (c != 'o')
			return cli_usage(&cmd_metrics, NULL);
		output = optarg;
	}
	if (optind != argc)
		return cli_usage(&cmd_metrics, _("unexpected argument '%s'"), argv[optind]);
	store = cli_open_view(cli, true, &view);
	if (store == NULL)
		return EXIT_RUNTIME;
	ret = report_init(&rep, store, &view, cli->now, NULL, cli_warn, &error);
	if (ret == 0)
		ret = report_gather(&rep, &error);
	if (ret == 0 && (of = outfile_open(output, 0644, &out, &error)) != NULL) {
		if (metrics_write(&rep, view.tracking_start, out) < 0) {
			outfile_abort(&of);
			ret = -1;
		} else {
			ret = outfile_commit(&of, &error);
		}
	} else {
		ret = -1;
	}
	if (ret < 0 && error != NULL)
		cli_error("%s", error);
	report_free(&rep);
	store_close(&store);
	return ret < 0 ? EXIT_RUNTIME : EXIT_OK;
}

const struct cli_command cmd_metrics = {
	"metrics", metrics_run, "[-o FILE]",
	N_("counts by status and domain in Prometheus text format"),
	N_("  -o FILE  write atomically (for node_exporter's textfile collector,\n"
	"           e.g. /var/lib/prometheus/node-exporter/dormant.prom)\n"),
};

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

/* A label value: the domain or unit as text_safe() prints it (every byte that is
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

/* Per-unit series, when some account has a unit contact (else the units
   are the domains, already there): the max_units largest units by name,
   the rest summed into dormant_unit_accounts_others, so a directory with
   thousands of units cannot swell every scrape. 0, or -1 (printed). */
static int metrics_write_units(struct report *rep, uint64_t max_units, FILE *out)
{
	unsigned long others[STATUS_COUNT] = { 0 };
	bool *keep;

	if (!rep->units_distinct)
		return 0;
	keep = calloc(rep->units.n + 1, sizeof(*keep));
	if (keep == NULL || tally_top(&rep->units, max_units, NULL, keep) < 0) {
		free(keep);
		cli_error("out of memory");
		return -1;
	}
	fputs("# HELP dormant_unit_accounts Accounts by unit and dormancy status "
	      "(the metrics_max_units largest units).\n"
	      "# TYPE dormant_unit_accounts gauge\n", out);
	for (size_t i = 0; i < rep->units.n; i++) {
		const struct tally_entry *e = &rep->units.items[i];
		char *label;

		if (!keep[i]) {
			for (int s = 0; s < STATUS_COUNT; s++)
				others[s] += e->counts[s];
			continue;
		}
		if ((label = label_value(e->name)) == NULL) {
			free(keep);
			cli_error("out of memory");
			return -1;
		}
		for (int s = 0; s < STATUS_COUNT; s++)
			fprintf(out, "dormant_unit_accounts{unit=\"%s\",status=\"%s\"} %lu\n",
				label, policy_status_name((enum account_status)s),
				e->counts[s]);
		free(label);
	}
	free(keep);
	fputs("# HELP dormant_unit_accounts_others Accounts of the units beyond "
	      "metrics_max_units, by status.\n"
	      "# TYPE dormant_unit_accounts_others gauge\n", out);
	for (int s = 0; s < STATUS_COUNT; s++)
		fprintf(out, "dormant_unit_accounts_others{status=\"%s\"} %lu\n",
			policy_status_name((enum account_status)s), others[s]);
	fputs("# HELP dormant_units Units with at least one account.\n"
	      "# TYPE dormant_units gauge\n", out);
	fprintf(out, "dormant_units %zu\n", rep->units.n);
	return 0;
}

/* 0, or -1 (printed). */
static int metrics_write(struct report *rep, int64_t tracking_start,
			 uint64_t max_units, FILE *out)
{
	fputs("# HELP dormant_accounts Accounts by domain and dormancy status.\n"
	      "# TYPE dormant_accounts gauge\n", out);
	for (size_t i = 0; i < rep->domains.n; i++) {
		char *label = label_value(rep->domains.items[i].name);

		if (label == NULL) {
			cli_error(_("out of memory"));
			return -1;
		}
		for (int s = 0; s < STATUS_COUNT; s++)
			fprintf(out, "dormant_accounts{domain=\"%s\",status=\"%s\"} %lu\n",
				label, policy_status_name((enum account_status)s),
				rep->domains.items[i].counts[s]);
		free(label);
	}
	if (metrics_write_units(rep, max_units, out) < 0)
		return -1;
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
		if (metrics_write(&rep, view.tracking_start,
				  cli->cfg.metrics_max_units, out) < 0) {
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
	N_("counts by status, domain and unit in Prometheus text format"),
	N_("  -o FILE  write atomically (for node_exporter's textfile collector,\n"
	"           e.g. /var/lib/prometheus/node-exporter/dormant.prom)\n"),
};

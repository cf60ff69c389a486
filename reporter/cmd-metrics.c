/* cmd-metrics.c - "dormant metrics": counts by status and domain in the
 * Prometheus text format, for node_exporter's textfile collector (written
 * atomically with -o, as that collector requires). */
#include "cli.h"
#include "outfile.h"
#include "report.h"

#include <getopt.h>
#include <string.h>

/* A label value: backslash, double quote and newline escaped; bytes that
   are not printable ASCII or valid UTF-8 replaced. */
static void label_value(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), i = 0, n;

	while (i < len) {
		if (p[i] == '\\' || p[i] == '"') {
			fputc('\\', out);
			fputc(p[i++], out);
		} else if (p[i] == '\n') {
			fputs("\\n", out);
			i++;
		} else if (p[i] >= 0x20 && p[i] < 0x7f) {
			fputc(p[i++], out);
		} else if (p[i] >= 0x80 && (n = utf8_seq_len(p + i, len - i)) > 0) {
			fwrite(p + i, 1, n, out);
			i += n;
		} else {
			fputs("\xef\xbf\xbd", out);
			i++;
		}
	}
}

static void metrics_write(struct report *rep, int64_t tracking_start, FILE *out)
{
	fputs("# HELP dormant_accounts Accounts by domain and dormancy status.\n"
	      "# TYPE dormant_accounts gauge\n", out);
	for (size_t i = 0; i < rep->ndomains; i++) {
		for (int s = 0; s < STATUS_COUNT; s++) {
			fputs("dormant_accounts{domain=\"", out);
			label_value(out, rep->domains[i].domain);
			fprintf(out, "\",status=\"%s\"} %lu\n",
				policy_status_name((enum account_status)s),
				rep->domains[i].counts[s]);
		}
	}
	fputs("# HELP dormant_accounts_total Accounts known to dormant.\n"
	      "# TYPE dormant_accounts_total gauge\n", out);
	fprintf(out, "dormant_accounts_total %lu\n", rep->total);
	fputs("# HELP dormant_events_month Wake-up and refusal events this month.\n"
	      "# TYPE dormant_events_month gauge\n", out);
	fprintf(out, "dormant_events_month %lu\n", rep->events);
	fputs("# HELP dormant_tracking_start_seconds When the activity history begins.\n"
	      "# TYPE dormant_tracking_start_seconds gauge\n", out);
	fprintf(out, "dormant_tracking_start_seconds %lld\n", (long long)tracking_start);
	fputs("# HELP dormant_corrupt_records Records that could not be read.\n"
	      "# TYPE dormant_corrupt_records gauge\n", out);
	fprintf(out, "dormant_corrupt_records %lu\n", rep->errors);
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
	FILE *out;
	int c, ret;

	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		if (c != 'o')
			return cli_usage(&cmd_metrics, NULL);
		output = optarg;
	}
	if (optind != argc)
		return cli_usage(&cmd_metrics, "unexpected argument '%s'", argv[optind]);
	store = cli_open_view(cli, true, &view);
	if (store == NULL)
		return EXIT_RUNTIME;
	ret = report_init(&rep, store, &view, cli->now, NULL);
	if (ret == 0)
		ret = report_gather(&rep);
	if (ret == 0 && (of = outfile_open(output, 0644, &out)) != NULL) {
		metrics_write(&rep, view.tracking_start, out);
		ret = outfile_commit(&of);
	} else {
		ret = -1;
	}
	report_free(&rep);
	store_close(&store);
	return ret < 0 ? EXIT_RUNTIME : EXIT_OK;
}

const struct cli_command cmd_metrics = {
	"metrics", metrics_run, "[-o FILE]",
	"counts by status and domain in Prometheus text format",
	"  -o FILE  write atomically (for node_exporter's textfile collector,\n"
	"           e.g. /var/lib/prometheus/node-exporter/dormant.prom)\n",
};

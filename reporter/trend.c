/* trend.c - the history's writer and the trend's reader and writers
 * (trend.h). The history database is input like any other (doc/DESIGN.md
 * §9.1): a key that is no month or a record that does not decode is
 * reported and left out, never believed. */
#include "trend.h"
#include "i18n.h"
#include "lang.h"
#include "month.h"
#include "report.h"
#include "timeutil.h"

#include <stdlib.h>
#include <string.h>

struct trend_scan {
	struct trend *trend;
	const char *unit;
	int last;
	size_t nmonths, alloc;
	errstr_warn_fn *warn;
	bool oom;
};

static int trend_one(void *ctx, const char *key, size_t key_len,
		     const void *rec, size_t size)
{
	struct trend_scan *s = ctx;
	struct trend *t = s->trend;
	struct history_point pt;
	char text[MONTH_TEXT_MAX];
	const char *error;
	int month;

	if (key_len != 7) {
		s->warn(errmsg_printf(_("history key of %zu bytes is no month "
					"(left out of the trend)"), key_len));
		t->errors++;
		return 0;
	}
	memcpy(text, key, 7);
	text[7] = '\0';
	if (month_parse(text, &month) < 0) {
		s->warn(errmsg_printf(_("history key %s is no month (left out "
					"of the trend)"), text));
		t->errors++;
		return 0;
	}
	if (month > s->last)
		return 1;       /* keys sort by month: the rest are later */
	if (record_history_decode(rec, size, s->unit, &pt, &error) < 0) {
		s->warn(errmsg_printf(_("history %s: %s (left out of the trend)"),
				      text, error));
		t->errors++;
		return 0;
	}
	/* the key files the record: a point recorded outside its month (a
	   time from the future, or another month's counts) is not believed */
	if (pt.recorded < month_start(month) || pt.recorded >= month_start(month + 1)) {
		s->warn(errmsg_printf("history %s: recorded at %lld, outside its "
				      "month (left out of the trend)", text,
				      (long long)pt.recorded));
		t->errors++;
		return 0;
	}
	if (s->unit != NULL && !pt.unit_found)
		return 0;
	/* keep the latest nmonths: a window sliding over the older ones */
	if (t->n == s->nmonths) {
		memmove(t->points, t->points + 1, (t->n - 1) * sizeof(*t->points));
		t->n--;
	}
	if (t->n == s->alloc) {
		size_t n = s->alloc == 0 ? 16 : s->alloc * 2;
		struct trend_point *p = realloc(t->points, n * sizeof(*p));
		if (p == NULL) {
			s->oom = true;
			return 1;
		}
		t->points = p;
		s->alloc = n;
	}
	t->points[t->n].month = month;
	t->points[t->n].recorded = pt.recorded;
	t->points[t->n].counts = s->unit != NULL ? pt.unit : pt.all;
	t->n++;
	return 0;
}

int trend_load(struct store *store, const char *unit, int last, size_t nmonths,
	       errstr_warn_fn *warn, struct trend *trend_r, const char **error_r)
{
	struct trend_scan s = { trend_r, unit, last, nmonths, 0, warn, false };

	memset(trend_r, 0, sizeof(*trend_r));
	if (nmonths == 0)
		return 0;
	if (store_history_foreach(store, trend_one, &s, error_r) < 0 || s.oom) {
		if (s.oom)
			*error_r = _("out of memory");
		/* the points gathered so far: callers free only a loaded trend */
		trend_free(trend_r);
		return -1;
	}
	return 0;
}

void trend_free(struct trend *trend)
{
	free(trend->points);
	memset(trend, 0, sizeof(*trend));
}

void trend_sentence(const struct trend *trend, char buf[TREND_SENTENCE_MAX])
{
	const struct trend_point *first, *last;
	uint32_t from, to;
	char month[MONTH_TEXT_MAX], buf_since[LANG_DATE_MAX];
	const char *since;

	if (trend->n == 0) {
		snprintf(buf, TREND_SENTENCE_MAX, "%s", _("No month recorded yet: "
			 "dormant sync records the current month's counts."));
		return;
	}
	first = &trend->points[0];
	last = &trend->points[trend->n - 1];
	month_format(first->month, month);
	since = lang_month(month, buf_since);
	if (trend->n == 1) {
		snprintf(buf, TREND_SENTENCE_MAX,
			 _("Only %s is recorded: no trend yet."), since);
		return;
	}
	from = first->counts.status[STATUS_DORMANT];
	to = last->counts.status[STATUS_DORMANT];
	if (to < from)
		snprintf(buf, TREND_SENTENCE_MAX,
			 _("Dormant accounts fell from %lu to %lu since %s."),
			 (unsigned long)from, (unsigned long)to, since);
	else if (to > from)
		snprintf(buf, TREND_SENTENCE_MAX,
			 _("Dormant accounts rose from %lu to %lu since %s."),
			 (unsigned long)from, (unsigned long)to, since);
	else
		snprintf(buf, TREND_SENTENCE_MAX,
			 _("Dormant accounts unchanged at %lu since %s."),
			 (unsigned long)to, since);
}

enum trend_column {
	TC_MONTH, TC_RECORDED, TC_TOTAL, TC_TOTAL_CHANGE, TC_DORMANT,
	TC_DORMANT_CHANGE, TC_NEVER_USED, TC_NEVER_USED_CHANGE, TC_SUSPENDED,
	TC_SUSPENDED_CHANGE, TC_COUNT
};

/* The counts each row shows, in column order after the recorded time. */
static const int trend_statuses[] = {
	-1, STATUS_DORMANT, STATUS_NEVER_USED, STATUS_SUSPENDED,
};

/* The text format's month (table_column.text): "11/2026" in Vietnamese. */
static const char *trend_month_text(const char *value, char *buf, size_t size)
{
	return size < LANG_DATE_MAX ? value : lang_month(value, buf);
}

void trend_write(const struct trend *trend, const struct table_format *format,
		 bool embedded, FILE *out)
{
	/* the text titles are read by people; the CSV and JSON names are a
	   contract (doc/DESIGN.md §8.11) */
	const struct table_column columns[TC_COUNT] = {
		{ "month", TABLE_PLAIN, 0, _("MONTH"), NULL, -8, NULL, NULL, NULL, NULL,
		  trend_month_text },
		{ "recorded", TABLE_PLAIN, TABLE_NO_TEXT, NULL, NULL, 0, NULL, NULL, NULL, NULL },
		{ "total", TABLE_NUMBER, 0, _("TOTAL"), " ", 8, NULL, NULL, NULL, NULL },
		{ "total_change", TABLE_CHANGE, 0, "+/-", " ", 6, NULL, "-", NULL, NULL },
		{ "dormant", TABLE_NUMBER, 0, _("DORMANT"), " ", 8, NULL, NULL, NULL, NULL },
		{ "dormant_change", TABLE_CHANGE, 0, "+/-", " ", 6, NULL, "-", NULL, NULL },
		{ "never_used", TABLE_NUMBER, 0, _("NEVER-USED"), " ", 11, NULL, NULL, NULL, NULL },
		{ "never_used_change", TABLE_CHANGE, 0, "+/-", " ", 6, NULL, "-", NULL, NULL },
		{ "suspended", TABLE_NUMBER, 0, _("SUSPENDED"), " ", 10, NULL, NULL, NULL, NULL },
		{ "suspended_change", TABLE_CHANGE, 0, "+/-", " ", 6, NULL, "-", NULL, NULL },
	};
	struct table table;

	table_init(&table, format, columns, TC_COUNT, out);
	table.embedded = embedded;
	table_begin(&table);
	for (size_t i = 0; i < trend->n; i++) {
		const struct trend_point *p = &trend->points[i];
		const struct trend_point *prev = i > 0 ? p - 1 : NULL;
		struct table_value values[TC_COUNT];
		char month[MONTH_TEXT_MAX], recorded[RFC3339_MAX];

		memset(values, 0, sizeof(values));
		month_format(p->month, month);
		time_format_rfc3339(p->recorded, recorded);
		values[TC_MONTH] = table_str(month);
		values[TC_RECORDED] = table_str(recorded);
		for (size_t k = 0; k < sizeof(trend_statuses) / sizeof(trend_statuses[0]); k++) {
			int s = trend_statuses[k];
			uint32_t now = s < 0 ? p->counts.total : p->counts.status[s];
			uint32_t before = prev == NULL ? 0 : s < 0 ?
				prev->counts.total : prev->counts.status[s];

			values[TC_TOTAL + 2 * k].num = now;
			values[TC_TOTAL + 2 * k + 1].num = (int64_t)now - (int64_t)before;
			values[TC_TOTAL + 2 * k + 1].yes = prev != NULL;
		}
		table_row(&table, values);
	}
	table_end(&table);
}

int trend_write_text_section(struct store *store, const char *unit, int last,
			     size_t nmonths, errstr_warn_fn *warn,
			     unsigned long *errors, FILE *out, const char **error_r)
{
	char sentence[TREND_SENTENCE_MAX];
	struct trend trend;

	if (trend_load(store, unit, last, nmonths, warn, &trend, error_r) < 0)
		return -1;
	*errors += trend.errors;
	fprintf(out, "\n%s (%zu)\n", _("trend by month"), trend.n);
	if (trend.n > 0)
		trend_write(&trend, &table_text, false, out);
	trend_sentence(&trend, sentence);
	fprintf(out, "%s\n", sentence);
	trend_free(&trend);
	return 0;
}

int trend_write_json_array(struct store *store, const char *unit, int last,
			   size_t nmonths, errstr_warn_fn *warn,
			   unsigned long *errors, FILE *out, const char **error_r)
{
	struct trend trend;

	if (trend_load(store, unit, last, nmonths, warn, &trend, error_r) < 0)
		return -1;
	*errors += trend.errors;
	trend_write(&trend, &table_json, true, out);
	trend_free(&trend);
	return 0;
}

/* A unit name a history record can hold (history.h); accounts without
   a unit (no domain) count among the others. */
static bool history_unit_ok(const char *name)
{
	return name[0] != '\0' && contact_text_valid(name, strlen(name));
}

static void counts_from(struct history_counts *c,
			const unsigned long counts[STATUS_COUNT])
{
	c->total = 0;
	for (int s = 0; s < STATUS_COUNT; s++) {
		c->status[s] = counts[s] > UINT32_MAX ? UINT32_MAX : (uint32_t)counts[s];
		c->total += c->status[s];
	}
}

static void counts_fold(struct history_counts *c,
			const unsigned long counts[STATUS_COUNT])
{
	struct history_counts more;

	counts_from(&more, counts);
	c->total += more.total;
	for (int s = 0; s < STATUS_COUNT; s++)
		c->status[s] += more.status[s];
}

int trend_record(struct report *rep, const char **error_r)
{
	const struct tally *units = &rep->units;
	struct history_unit *kept = NULL;
	struct history_counts all, others;
	size_t nkept = 0, len;
	uint8_t *buf = NULL;
	bool *keep = NULL;
	int ret = -1;

	if (!rep->current) {
		*error_r = _("only the current month's counts can be recorded");
		return -1;
	}
	if (report_gather(rep, error_r) < 0)
		return -1;
	memset(&others, 0, sizeof(others));
	counts_from(&all, rep->totals);
	kept = calloc(units->n + 1, sizeof(*kept));
	keep = calloc(units->n + 1, sizeof(*keep));
	buf = malloc(RECORD_HISTORY_MAX);
	if (kept == NULL || keep == NULL || buf == NULL ||
	    tally_top(units, HISTORY_UNITS_MAX, history_unit_ok, keep) < 0) {
		*error_r = _("out of memory");
		goto out;
	}
	/* kept in the tally's order: by name, as the record wants them */
	for (size_t i = 0; i < units->n; i++) {
		const struct tally_entry *e = &units->items[i];

		if (!keep[i]) {
			counts_fold(&others, e->counts);
			continue;
		}
		kept[nkept].name = e->name;
		counts_from(&kept[nkept].counts, e->counts);
		nkept++;
	}
	len = record_history_encode(rep->generated, &all, &others, kept, nkept, buf,
				    RECORD_HISTORY_MAX, error_r);
	if (len > 0 && store_history_put(rep->store, rep->month, buf, len, error_r) == 0)
		ret = 0;
out:
	free(kept);
	free(keep);
	free(buf);
	return ret;
}

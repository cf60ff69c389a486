/* fuzz-sheet.c - a returned review sheet (anyone's file) through the sheet
 * parser, and the review database's record decoders on the same bytes
 * (the mail uid can plant those). */
#include "review-record.h"
#include "sheet.h"

#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct review_campaign c;
	struct review_unit u;
	struct review_item it;
	struct review_revoked r;
	struct sheet sh;
	const char *error;
	FILE *f;

	(void)review_campaign_decode(data, size, &c, &error);
	(void)review_unit_decode(data, size, &u, &error);
	(void)review_item_decode(data, size, &it, &error);
	(void)review_revoked_decode(data, size, &r, &error);
	if (size == 0)
		return 0;
	f = fmemopen((void *)data, size, "r");
	if (f == NULL)
		return 0;
	if (sheet_parse(f, "fuzz", &sh, &error) == 0)
		sheet_free(&sh);
	fclose(f);
	return 0;
}

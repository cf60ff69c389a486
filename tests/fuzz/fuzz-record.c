/* fuzz-record.c - every record decoder on arbitrary bytes; whatever
 * decodes must re-encode and decode to the same record (a history record
 * must keep its bounds). The retained IMAP
 * ID parser (imapid.c) reads the same bytes as text. */
#include "record.h"
#include "history.h"
#include "netset.h"
#include "imapid.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct activity act, act2;
	struct account_state st, st2;
	struct account_info info, info2;
	struct account_contacts contacts, contacts2;
	struct account_event ev, ev2;
	struct netset set, set2;
	struct history_point pt;
	uint8_t nbuf[RECORD_NETSET_MAX];
	char name[NETSET_CLIENT_MAX + 1], *text;
	uint8_t buf[RECORD_STATE_MAX];
	char ip[IP_TEXT_MAX];
	const char *error;
	size_t n;

	if (record_activity_decode(data, size, &act, &error) == 0) {
		record_activity_encode(&act, buf);
		if (record_activity_decode(buf, RECORD_ACTIVITY_SIZE, &act2, &error) < 0 ||
		    memcmp(&act, &act2, sizeof(act)) != 0)
			abort();
		ip_format(&act.login_ip, ip);
	}
	if (record_state_decode(data, size, &st, &error) == 0) {
		n = record_state_encode(&st, buf, sizeof(buf));
		if (n == 0 || record_state_decode(buf, n, &st2, &error) < 0 ||
		    st.kind != st2.kind || st.since != st2.since ||
		    strcmp(st.reason, st2.reason) != 0)
			abort();
	}
	if (record_account_decode(data, size, &info, &contacts, &error) == 0) {
		n = record_account_encode(&info, &contacts, buf);
		if (record_account_decode(buf, n, &info2, &contacts2, &error) < 0 ||
		    memcmp(&info, &info2, sizeof(info)) != 0)
			abort();
		for (int i = 0; i < CONTACT_FIELDS; i++) {
			if (strcmp(contacts.text[i], contacts2.text[i]) != 0 ||
			    contacts.source[i] != contacts2.source[i])
				abort();
		}
	}
	if (record_event_decode(data, size, &ev, &error) == 0) {
		record_event_encode(&ev, buf);
		if (record_event_decode(buf, RECORD_EVENT_SIZE, &ev2, &error) < 0 ||
		    memcmp(&ev, &ev2, sizeof(ev)) != 0)
			abort();
	}
	if (record_netset_decode(data, size, &set, &error) == 0) {
		n = record_netset_encode(&set, nbuf);
		if (n != size || record_netset_decode(nbuf, n, &set2, &error) < 0 ||
		    memcmp(&set, &set2, sizeof(set)) != 0)
			abort();
	}
	/* a unit looked up in a record holds no unit: nonsense */
	if (record_history_decode(data, size, "example.org", &pt, &error) == 0 &&
	    (pt.nunits > HISTORY_UNITS_MAX || (pt.unit_found && pt.nunits == 0) ||
	     pt.recorded < 0))
		abort();
	text = malloc(size + 1);
	if (text != NULL) {
		memcpy(text, data, size);
		text[size] = '\0';
		if (imapid_name(text, name, sizeof(name)) && name[0] == '\0')
			abort();
		free(text);
	}
	return 0;
}

/* mlfi-negotiate.h - what dormant-milter asks of the MTA, apart from the
 * callbacks that do its work, so that the benchmark's do-nothing milter
 * (bench/null-milter.c) negotiates exactly the same. */
#ifndef DORMANT_MLFI_NEGOTIATE_H
#define DORMANT_MLFI_NEGOTIATE_H

#include <libmilter/mfapi.h>

/* The macros MAIL FROM needs, asked for with smfi_setsymlist. */
#define MLFI_MAIL_MACROS "{auth_authen} {client_addr}"

/* The xxfi_negotiate callback: only MAIL FROM, with MLFI_MAIL_MACROS when
   the MTA takes a macro list (then no CONNECT either); otherwise CONNECT
   too, without a reply. Needs no private data and touches nothing else. */
sfsistat mlfi_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
			unsigned long f2, unsigned long f3,
			unsigned long *pf0, unsigned long *pf1,
			unsigned long *pf2, unsigned long *pf3);

#endif

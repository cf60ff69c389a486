/* mlfi-negotiate.c - the milter's protocol options (mlfi-negotiate.h). */
#include "mlfi-negotiate.h"

sfsistat mlfi_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
			unsigned long f2, unsigned long f3,
			unsigned long *pf0, unsigned long *pf1,
			unsigned long *pf2, unsigned long *pf3)
{
	unsigned long actions = 0;
	unsigned long steps = SMFIP_NOHELO | SMFIP_NORCPT | SMFIP_NODATA |
		SMFIP_NOHDRS | SMFIP_NOEOH | SMFIP_NOBODY | SMFIP_NOUNKNOWN;

#ifdef HAVE_SMFI_SETSYMLIST
	/* With the macros asked for at MAIL, CONNECT is not needed either. */
	if ((f0 & SMFIF_SETSYMLIST) != 0 &&
	    smfi_setsymlist(ctx, SMFIM_ENVFROM, MLFI_MAIL_MACROS) == MI_SUCCESS) {
		actions |= SMFIF_SETSYMLIST;
		steps |= SMFIP_NOCONNECT;
	}
#endif
	steps &= f1;               /* only what the MTA offers to leave out */
	/* CONNECT, if it comes, never has a verdict: no reply to wait for.
	   libmilter always offers SMFIP_NR_CONN (it fakes the reply for an
	   MTA that needs one), and the CONNECT callback answers
	   SMFIS_NOREPLY. */
	if (!(steps & SMFIP_NOCONNECT))
		steps |= SMFIP_NR_CONN;
	*pf0 = actions;
	*pf1 = steps;
	*pf2 = 0;
	*pf3 = 0;
	return SMFIS_CONTINUE;
}

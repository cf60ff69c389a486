/* null-milter.c - a milter that does nothing: bench/milter.py's baseline.
 *
 * usage: null-milter -m same|every -p SOCKET
 *
 * -m same:  negotiates what dormant-milter negotiates, with its own
 *           function (milter/mlfi-negotiate.c): only MAIL FROM, with the
 *           macros "{auth_authen} {client_addr}" asked for by
 *           smfi_setsymlist, CONNECT without a reply when the MTA
 *           cannot take a macro list, and gives the same verdicts without
 *           any work: SMFIS_ACCEPT at MAIL (dormant-milter's answer for
 *           every sender it lets through; SMFIS_CONTINUE there would make
 *           the MTA send end-of-message too, which no step flag turns
 *           off), SMFIS_NOREPLY at CONNECT. The limit dormant-milter can
 *           reach.
 * -m every: no negotiate callback, so libmilter asks for every step it has
 *           a callback for; connect, helo, envfrom, envrcpt, data, header,
 *           eoh, body, eom, abort and close each return SMFIS_CONTINUE.
 *           What a typical milter costs the MTA.
 *
 * SOCKET is in libmilter syntax (inet:PORT@127.0.0.1, unix:PATH). Runs in
 * the foreground until SIGTERM, SIGINT or SIGHUP (libmilter's own handling
 * of them makes smfi_main return). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libmilter/mfapi.h>

#include "mlfi-negotiate.h"

/* --- -m same --- */

static sfsistat same_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *hostaddr)
{
	return SMFIS_NOREPLY;       /* SMFIP_NR_CONN */
}

static sfsistat same_envfrom(SMFICTX *ctx, char **argv)
{
	return SMFIS_ACCEPT;
}

static sfsistat same_close(SMFICTX *ctx)
{
	return SMFIS_CONTINUE;
}

/* --- -m every --- */

static sfsistat every_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *hostaddr)
{
	return SMFIS_CONTINUE;
}

static sfsistat every_helo(SMFICTX *ctx, char *helohost)
{
	return SMFIS_CONTINUE;
}

static sfsistat every_args(SMFICTX *ctx, char **argv)
{
	return SMFIS_CONTINUE;      /* envfrom and envrcpt */
}

static sfsistat every_header(SMFICTX *ctx, char *name, char *value)
{
	return SMFIS_CONTINUE;
}

static sfsistat every_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	return SMFIS_CONTINUE;
}

static sfsistat every_ctx(SMFICTX *ctx)
{
	return SMFIS_CONTINUE;      /* data, eoh, eom, abort, close */
}

static char null_name[] = "null-milter";

static struct smfiDesc same_desc = {
	.xxfi_name = null_name,
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = SMFIF_NONE,
	.xxfi_connect = same_connect,
	.xxfi_envfrom = same_envfrom,
	.xxfi_close = same_close,
	.xxfi_negotiate = mlfi_negotiate,
};

static struct smfiDesc every_desc = {
	.xxfi_name = null_name,
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = SMFIF_NONE,
	.xxfi_connect = every_connect,
	.xxfi_helo = every_helo,
	.xxfi_envfrom = every_args,
	.xxfi_envrcpt = every_args,
	.xxfi_header = every_header,
	.xxfi_eoh = every_ctx,
	.xxfi_body = every_body,
	.xxfi_eom = every_ctx,
	.xxfi_abort = every_ctx,
	.xxfi_close = every_ctx,
	.xxfi_data = every_ctx,
};

static void usage(void)
{
	fprintf(stderr, "usage: null-milter -m same|every -p SOCKET\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct smfiDesc *desc = NULL;
	char *sock = NULL;
	int c;

	while ((c = getopt(argc, argv, "m:p:")) != -1) {
		switch (c) {
		case 'm':
			if (strcmp(optarg, "same") == 0)
				desc = &same_desc;
			else if (strcmp(optarg, "every") == 0)
				desc = &every_desc;
			else
				usage();
			break;
		case 'p':
			sock = optarg;
			break;
		default:
			usage();
		}
	}
	if (desc == NULL || sock == NULL || optind != argc)
		usage();
	if (smfi_register(*desc) != MI_SUCCESS) {
		fprintf(stderr, "null-milter: smfi_register failed\n");
		return 1;
	}
	if (smfi_setconn(sock) != MI_SUCCESS ||
	    smfi_opensocket(1) != MI_SUCCESS) {
		fprintf(stderr, "null-milter: cannot listen on %s\n", sock);
		return 1;
	}
	return smfi_main() == MI_SUCCESS ? 0 : 1;
}

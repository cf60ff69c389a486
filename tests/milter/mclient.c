/* mclient.c - a minimal MTA side of the milter protocol, for tests that
 * miltertest cannot do: macros of any length and with any bytes (NUL,
 * 8-bit), raw garbage, hundreds of recipients, and the exact reply text.
 *
 * usage: mclient SOCKET [-a AUTHEN] [-i ADDR] [-f FROM] [-L LEN] [-m N]
 *                [-r N] [-C] [-G] [-H] [-t SECS]
 *   SOCKET    inet:PORT@ADDRESS or unix:/path
 *   -a AUTHEN {auth_authen} at MAIL; C escapes (\xNN, \0, \\) give any byte
 *   -i ADDR   {client_addr} at MAIL (and CONNECT's address with -C)
 *   -f FROM   envelope sender (escapes as -a; default "<>")
 *   -L LEN    pad AUTHEN with 'a' to LEN bytes (LEN > 65535: an oversized
 *             packet, which libmilter must refuse by hanging up)
 *   -m N      N transactions (MAIL) on the connection (default 1)
 *   -r N      send N RCPT after each MAIL, whatever was negotiated
 *   -C        be an old MTA: offer no macro-list negotiation, send CONNECT
 *   -G        send a garbage packet (unknown command, then junk length)
 *   -H        send libmilter's fatal packet: MAIL macros with an odd
 *             number of strings, whose smfi_getsymval reads one pointer
 *             past its array; two macro packets before it leave a
 *             non-canonical pointer there, so the read faults for sure
 *             (glibc's allocator; see hostile())
 *   -t SECS   reply timeout (default 5)
 * Prints one line per MAIL: accept, continue, reject, tempfail, discard,
 * "reply CODE TEXT", closed or timeout; with -r also "rcpt REPLIES/N".
 * Exit 0 when the conversation ran to its end, 1 otherwise. */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#define SMFIC_CONNECT 'C'
#define SMFIC_MACRO 'D'
#define SMFIC_HELO 'H'
#define SMFIC_MAIL 'M'
#define SMFIC_OPTNEG 'O'
#define SMFIC_QUIT 'Q'
#define SMFIC_RCPT 'R'
#define SMFIP_NOCONNECT 0x01UL
#define SMFIP_NOHELO 0x02UL
#define SMFIP_NR_CONN 0x1000UL
#define SMFIF_SETSYMLIST 0x100UL
#define MCLIENT_ACTIONS 0x1ffUL        /* SMFI_CURR_ACTS */
#define MCLIENT_PROTOCOL 0x1fffffUL    /* SMFI_CURR_PROT */
#define MCLIENT_PACKET_MAX (1 << 20)   /* largest reply we read */

struct buf {
	unsigned char *data;
	size_t len, size;
};

static void buf_add(struct buf *b, const void *data, size_t len)
{
	if (b->len + len > b->size) {
		b->size = (b->len + len) * 2 + 64;
		b->data = realloc(b->data, b->size);
		if (b->data == NULL) {
			perror("mclient: realloc");
			exit(1);
		}
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
}

static void buf_add32(struct buf *b, uint32_t v)
{
	uint32_t n = htonl(v);
	buf_add(b, &n, 4);
}

/* Decode C escapes in text into b (no terminating NUL added). */
static void unescape(const char *text, struct buf *b)
{
	for (const char *p = text; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '\\' && p[1] == 'x' && p[2] != '\0' && p[3] != '\0') {
			char hex[3] = { p[2], p[3], '\0' };
			c = (unsigned char)strtoul(hex, NULL, 16);
			p += 3;
		} else if (c == '\\' && p[1] == '0') {
			c = 0;
			p++;
		} else if (c == '\\' && p[1] == '\\') {
			p++;
		}
		buf_add(b, &c, 1);
	}
}

static int write_all(int fd, const void *data, size_t len)
{
	const unsigned char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int send_packet(int fd, char cmd, const struct buf *data)
{
	struct buf pkt = { NULL, 0, 0 };
	int ret;

	buf_add32(&pkt, (uint32_t)(1 + (data != NULL ? data->len : 0)));
	buf_add(&pkt, &cmd, 1);
	if (data != NULL && data->len > 0)
		buf_add(&pkt, data->data, data->len);
	ret = write_all(fd, pkt.data, pkt.len);
	free(pkt.data);
	return ret;
}

/* 1 read, 0 timeout, -1 closed or error. */
static int read_all(int fd, void *data, size_t len)
{
	unsigned char *p = data;

	while (len > 0) {
		ssize_t n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 1;
}

/* Read one packet: its command in *cmd_r, data in b. 1, 0 timeout, -1. */
static int read_packet(int fd, char *cmd_r, struct buf *b)
{
	uint32_t n;
	int ret;

	b->len = 0;
	if ((ret = read_all(fd, &n, 4)) <= 0)
		return ret;
	n = ntohl(n);
	if (n == 0 || n > MCLIENT_PACKET_MAX)
		return -1;
	if ((ret = read_all(fd, cmd_r, 1)) <= 0)
		return ret < 0 ? -1 : 0;
	if (n > 1) {
		unsigned char *tmp = malloc(n - 1);
		if (tmp == NULL)
			return -1;
		ret = read_all(fd, tmp, n - 1);
		if (ret > 0)
			buf_add(b, tmp, n - 1);
		free(tmp);
		if (ret <= 0)
			return ret < 0 ? -1 : 0;
	}
	return 1;
}

/* Print the reply to a command; returns 1 on a reply, 0 timeout, -1. */
static int print_reply(int fd, const char *prefix)
{
	struct buf b = { NULL, 0, 0 };
	char cmd;
	int ret;

	for (;;) {
		ret = read_packet(fd, &cmd, &b);
		if (ret <= 0) {
			printf("%s%s\n", prefix, ret == 0 ? "timeout" : "closed");
			break;
		}
		if (cmd == 'p')          /* progress: keep waiting */
			continue;
		switch (cmd) {
		case 'a': printf("%saccept\n", prefix); break;
		case 'c': printf("%scontinue\n", prefix); break;
		case 'r': printf("%sreject\n", prefix); break;
		case 't': printf("%stempfail\n", prefix); break;
		case 'd': printf("%sdiscard\n", prefix); break;
		case 'y':
			printf("%sreply %.*s\n", prefix, b.len > 0 ? (int)b.len - 1 : 0,
			       (const char *)b.data);
			break;
		default:
			printf("%sunexpected '%c'\n", prefix, cmd);
			break;
		}
		break;
	}
	free(b.data);
	return ret;
}

/* The -H packets, then MAIL. libmilter's dec_argv allocates n + 1
   pointers for n strings; smfi_getsymval steps through them in pairs, so
   for odd n it reads element n + 1, in the allocation's slack. That
   slack holds whatever the chunk held before: the first packet's buffer
   (23 bytes of which the last 21 are 'A', in the allocator's smallest
   bin), which the second packet's macros free just before the third,
   odd one allocates its array from that bin. */
static void hostile(int fd)
{
	static const char fill[] = "M\0AAAAAAAAAAAAAAAAAAAAA";
	static const char even[] = "Ma\0b\0c\0dddddddddddddddddddddddddddddddddddddddd"
		"dddddddddd";
	static const char odd[] = "M{client_addr_padding_padding_padding_pad}";
	struct buf b = { NULL, 0, 0 };

	buf_add(&b, fill, sizeof(fill) - 1);           /* 23 bytes */
	send_packet(fd, SMFIC_MACRO, &b);
	b.len = 0;
	buf_add(&b, even, sizeof(even));               /* 4 strings */
	send_packet(fd, SMFIC_MACRO, &b);
	b.len = 0;
	buf_add(&b, odd, sizeof(odd));                 /* 1 string */
	send_packet(fd, SMFIC_MACRO, &b);
	b.len = 0;
	buf_add(&b, "<a@b>", 6);
	send_packet(fd, SMFIC_MAIL, &b);
	print_reply(fd, "");
	free(b.data);
}

/* A whole decimal number <= max, or exit. */
static unsigned long number(const char *text, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || v > max) {
		fprintf(stderr, "mclient: bad number '%s'\n", text);
		exit(2);
	}
	return v;
}

static int dial(const char *spec)
{
	union {
		struct sockaddr sa;
		struct sockaddr_in sin;
		struct sockaddr_un sun;
	} addr;
	socklen_t len;
	int fd;

	memset(&addr, 0, sizeof(addr));
	if (strncmp(spec, "inet:", 5) == 0) {
		const char *at = strchr(spec, '@');
		char port[8];
		if (at == NULL || (size_t)(at - spec - 5) >= sizeof(port))
			return -1;
		memcpy(port, spec + 5, (size_t)(at - spec - 5));
		port[at - spec - 5] = '\0';
		addr.sin.sin_family = AF_INET;
		addr.sin.sin_port = htons((uint16_t)number(port, 65535));
		if (inet_pton(AF_INET, at + 1, &addr.sin.sin_addr) != 1)
			return -1;
		len = sizeof(addr.sin);
	} else if (strncmp(spec, "unix:", 5) == 0) {
		addr.sun.sun_family = AF_UNIX;
		snprintf(addr.sun.sun_path, sizeof(addr.sun.sun_path), "%s", spec + 5);
		len = sizeof(addr.sun);
	} else {
		return -1;
	}
	fd = socket(addr.sa.sa_family, SOCK_STREAM, 0);
	if (fd >= 0 && connect(fd, &addr.sa, len) < 0) {
		close(fd);
		return -1;
	}
	if (fd >= 0 && addr.sa.sa_family == AF_INET) {
		/* an MTA flushes MACRO and MAIL together; without this, Nagle
		   holds the second packet for the first one's delayed ACK */
		int on = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	}
	return fd;
}

int main(int argc, char **argv)
{
	struct buf authen = { NULL, 0, 0 }, from = { NULL, 0, 0 }, b = { NULL, 0, 0 };
	const char *addr = NULL, *from_text = "<>";
	unsigned long nmail = 1, nrcpt = 0, pad = 0, timeout = 5;
	uint32_t actions, protocol = 0;
	bool have_authen = false, old_mta = false, garbage = false, fatal = false;
	struct timeval tv;
	int fd, opt, status = 0;
	char cmd;

	while ((opt = getopt(argc - 1, argv + 1, "a:i:f:L:m:r:CGHt:")) != -1) {
		switch (opt) {
		case 'a': unescape(optarg, &authen); have_authen = true; break;
		case 'i': addr = optarg; break;
		case 'f': from_text = optarg; break;
		case 'L': pad = number(optarg, 1UL << 24); have_authen = true; break;
		case 'm': nmail = number(optarg, 100000); break;
		case 'r': nrcpt = number(optarg, 100000); break;
		case 'C': old_mta = true; break;
		case 'G': garbage = true; break;
		case 'H': fatal = true; break;
		case 't': timeout = number(optarg, 3600); break;
		default:
			fprintf(stderr, "usage: mclient SOCKET [-a AUTHEN] [-i ADDR] "
				"[-f FROM] [-L LEN] [-m N] [-r N] [-C] [-G] [-H] "
				"[-t SECS]\n");
			return 2;
		}
	}
	if (argc < 2) {
		fprintf(stderr, "mclient: no socket\n");
		return 2;
	}
	/* a milter hanging up shows as "closed", not as SIGPIPE */
	signal(SIGPIPE, SIG_IGN);
	while (authen.len < pad)
		buf_add(&authen, "a", 1);
	unescape(from_text, &from);

	fd = dial(argv[1]);
	if (fd < 0) {
		printf("cannot connect\n");
		status = 1;
		goto out;
	}
	tv.tv_sec = (time_t)timeout;
	tv.tv_usec = 0;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));

	actions = old_mta ? MCLIENT_ACTIONS & ~SMFIF_SETSYMLIST : MCLIENT_ACTIONS;
	buf_add32(&b, 6);
	buf_add32(&b, actions);
	buf_add32(&b, MCLIENT_PROTOCOL);
	if (send_packet(fd, SMFIC_OPTNEG, &b) < 0 || read_packet(fd, &cmd, &b) <= 0 ||
	    cmd != SMFIC_OPTNEG || b.len < 12) {
		printf("negotiation failed\n");
		status = 1;
		goto out;
	}
	memcpy(&protocol, b.data + 8, 4);
	protocol = ntohl(protocol);

	if (garbage) {
		/* an unknown command, then a length far beyond any limit */
		b.len = 0;
		buf_add(&b, "junk", 4);
		send_packet(fd, '~', &b);
		print_reply(fd, "garbage ");
		b.len = 0;
		buf_add32(&b, 0x7fffffff);
		buf_add(&b, "M<x>", 4);
		write_all(fd, b.data, b.len);
		print_reply(fd, "garbage ");
		goto out;
	}
	if (fatal) {
		hostile(fd);
		goto out;
	}
	if (!(protocol & SMFIP_NOCONNECT)) {
		struct buf c = { NULL, 0, 0 };
		uint16_t port = htons(25);
		buf_add(&c, "client.example", 15);
		buf_add(&c, "4", 1);
		buf_add(&c, &port, 2);
		buf_add(&c, addr != NULL ? addr : "192.0.2.1",
			strlen(addr != NULL ? addr : "192.0.2.1") + 1);
		send_packet(fd, SMFIC_CONNECT, &c);
		free(c.data);
		if (protocol & SMFIP_NR_CONN)
			printf("connect noreply\n");
		else if (print_reply(fd, "connect ") <= 0) {
			status = 1;
			goto out;
		}
	}
	if (!(protocol & SMFIP_NOHELO)) {
		b.len = 0;
		buf_add(&b, "client.example", 15);
		send_packet(fd, SMFIC_HELO, &b);
		if (print_reply(fd, "helo ") <= 0) {
			status = 1;
			goto out;
		}
	}
	for (unsigned long m = 0; m < nmail && status == 0; m++) {
		b.len = 0;
		buf_add(&b, "M", 1);
		if (have_authen) {
			buf_add(&b, "{auth_authen}", 14);
			buf_add(&b, authen.data, authen.len);
			buf_add(&b, "", 1);
		}
		if (addr != NULL && !old_mta) {
			buf_add(&b, "{client_addr}", 14);
			buf_add(&b, addr, strlen(addr) + 1);
		}
		if (send_packet(fd, SMFIC_MACRO, &b) < 0) {
			printf("closed\n");
			status = 1;
			break;
		}
		b.len = 0;
		buf_add(&b, from.data, from.len);
		buf_add(&b, "", 1);
		if (send_packet(fd, SMFIC_MAIL, &b) < 0) {
			printf("closed\n");
			status = 1;
			break;
		}
		if (print_reply(fd, "") <= 0)
			status = 1;
		if (nrcpt > 0 && status == 0) {
			unsigned long replies = 0;
			char rcpt[64];
			/* replies may never come (the milter is done with the
			   message): send all, then count what arrives */
			for (unsigned long r = 0; r < nrcpt; r++) {
				int len = snprintf(rcpt, sizeof(rcpt), "<r%lu@example.net>", r);
				b.len = 0;
				buf_add(&b, rcpt, (size_t)len + 1);
				if (send_packet(fd, SMFIC_RCPT, &b) < 0)
					break;
			}
			tv.tv_sec = 1;
			setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
			while (read_packet(fd, &cmd, &b) > 0)
				replies++;
			printf("rcpt %lu/%lu\n", replies, nrcpt);
		}
	}
	send_packet(fd, SMFIC_QUIT, NULL);
out:
	if (fd >= 0)
		close(fd);
	free(authen.data);
	free(from.data);
	free(b.data);
	return status;
}

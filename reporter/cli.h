/* cli.h - what every subcommand of the dormant command shares. */
#ifndef DORMANT_CLI_H
#define DORMANT_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "account.h"
#include "config.h"
#include "policy.h"
#include "store.h"

/* Exit codes (doc/DESIGN.md §8.1): a contract for admins' scripts. */
#define EXIT_OK       0
#define EXIT_FINDINGS 1   /* a check found problems / a dry run would refuse */
#define EXIT_USAGE    2   /* usage or configuration error */
#define EXIT_RUNTIME  3   /* database or I/O failure */

struct cli {
	struct dormant_config cfg;
	const char *config_path;
	const char *prog;
	int64_t now;              /* --now, or the clock */
};

struct cli_command {
	const char *name;
	int (*run)(struct cli *cli, int argc, char **argv);
	const char *usage;        /* options after the command name */
	const char *summary;      /* one line */
	const char *help;         /* more lines, or NULL */
};

/* Print "dormant: message" to stderr, every byte others could have
   chosen escaped (text_safe). Only commands print: helpers hand back
   their messages (errstr.h). */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* cli_error("%s", msg): the errstr_warn_fn commands give helpers. */
void cli_warn(const char *msg);
/* Report a usage error for cmd and return EXIT_USAGE. */
int cli_usage(const struct cli_command *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Open the store; on failure print the error and return NULL. */
struct store *cli_store_open(struct cli *cli, bool readonly);
struct view_ctx;
/* Open the store for a command that classifies accounts, and fill ctx_r
   (policy from the configuration, the command's now, the tracking start).
   NULL after printing the error. */
struct store *cli_open_view(struct cli *cli, bool readonly,
			    struct view_ctx *ctx_r);
/* The policy thresholds from the configuration. */
void cli_policy(const struct cli *cli, struct policy *policy_r);
struct table_format;
/* The format --format names among formats (NULL-terminated); NULL after
   a usage error for cmd (return EXIT_USAGE). */
const struct table_format *
cli_table_format(const struct cli_command *cmd,
		 const struct table_format *const *formats, const char *name);
/* The account-name rules of the configuration (doc/DESIGN.md §4). */
void cli_account_rules(const struct cli *cli, struct account_rules *rules_r);
/* Normalise an account named on the command line into name (the
   configured rules); -1 after printing why it is no account name. */
int cli_account_arg(const struct cli *cli, const char *arg,
		    char name[ACCOUNT_MAX + 1]);

extern const struct cli_command cmd_list;
extern const struct cli_command cmd_sync;
extern const struct cli_command cmd_show;
extern const struct cli_command cmd_exempt;
extern const struct cli_command cmd_audit;
extern const struct cli_command cmd_alerts;
extern const struct cli_command cmd_report;
extern const struct cli_command cmd_metrics;
extern const struct cli_command cmd_check;
extern const struct cli_command cmd_suspend;
extern const struct cli_command cmd_reactivate;
extern const struct cli_command cmd_notify;
extern const struct cli_command cmd_import;
extern const struct cli_command cmd_export;
extern const struct cli_command cmd_merge;
extern const struct cli_command cmd_trend;
extern const struct cli_command cmd_review;

#endif

/* mlfi.h - the libmilter callbacks and what they share between threads.
 *
 * libmilter runs one thread per MTA connection. They share:
 *  - one struct store, opened by the main thread before smfi_main; the
 *    store makes one LMDB transaction per call with MDB_NOTLS, so calls
 *    from any thread are safe (store.h). When its files are replaced the
 *    main thread pauses the gate, swaps the store and resumes;
 *  - the settings, an immutable reference-counted snapshot: SIGHUP builds
 *    a new one and swaps it in; a callback keeps the snapshot it started
 *    with until it returns, so a reload never changes rules mid-message;
 *  - a gate that counts callbacks in flight, so shutdown can stop new store
 *    use and wait for the last call before closing the store.
 * The main thread owns the life cycle: init, swap, pause, resume,
 * quiesce, deinit. */
#ifndef DORMANT_MLFI_H
#define DORMANT_MLFI_H

#include <stdbool.h>
#include "config.h"
#include "store.h"

struct mlfi_settings;

/* Build settings from cfg, which the snapshot takes over (cfg must come
   from malloc and be filled by config_init/config_load; it is freed with
   the snapshot, also on failure). Returns 0, or -1 with *error_r for a
   value only the milter checks (trusted_networks). */
int mlfi_settings_create(struct dormant_config *cfg,
			 struct mlfi_settings **set_r, const char **error_r);
/* Free a snapshot no thread has seen (a failed reload's). */
void mlfi_settings_free(struct mlfi_settings **set);
/* The configuration a snapshot was built from. */
const struct dormant_config *mlfi_settings_config(const struct mlfi_settings *set);

/* Register the callbacks with libmilter and make store and set current
   (set then belongs to the gate; the store stays the caller's). Returns 0,
   or -1 if smfi_register failed (set is still the caller's). */
int mlfi_init(struct store *store, struct mlfi_settings *set);
/* Make set current (SIGHUP); the previous snapshot is freed when the last
   callback using it returns. */
void mlfi_settings_swap(struct mlfi_settings *set);
/* Refuse new store use (callbacks then let mail through untouched) and
   wait up to timeout_ms for the callbacks in flight. Returns 0 when none
   is left, -1 on timeout (the store must then stay open). */
int mlfi_quiesce(unsigned int timeout_ms);
/* Hold new callbacks at the gate (they wait) and wait up to timeout_ms
   for those in flight. Returns 0 when none is left: the caller may then
   close the store and must call mlfi_resume. -1 on timeout: the gate is
   open again and the store must stay. */
int mlfi_pause(unsigned int timeout_ms);
/* Make store current (NULL: none; callbacks let mail through unchecked
   and log it) and let the held callbacks in. After mlfi_pause. */
void mlfi_resume(struct store *store);
/* Free the current settings; after mlfi_quiesce. */
void mlfi_deinit(void);

#endif

/* bare-dump.c - the baseline for the reporter benchmark: walk the activity
 * database with one LMDB cursor and print one CSV line per record, with no
 * policy, no join, no sorting and no escaping. What a report cannot beat. */
#include <lmdb.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int64_t le64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return (int64_t)v;
}

int main(int argc, char **argv)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_cursor *cur;
	MDB_val k, v;

	if (argc != 2) {
		fprintf(stderr, "usage: bare-dump DBDIR\n");
		return 2;
	}
	if (mdb_env_create(&env) || mdb_env_set_maxdbs(env, 16) ||
	    mdb_env_set_mapsize(env, (size_t)1 << 30) ||
	    mdb_env_open(env, argv[1], MDB_RDONLY | MDB_NOTLS, 0660) ||
	    mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) ||
	    mdb_dbi_open(txn, "activity", 0, &dbi) ||
	    mdb_cursor_open(txn, dbi, &cur)) {
		fprintf(stderr, "bare-dump: cannot open %s\n", argv[1]);
		return 3;
	}
	while (mdb_cursor_get(cur, &k, &v, MDB_NEXT) == 0) {
		const unsigned char *p = v.mv_data;
		if (v.mv_size < 80)
			continue;
		fwrite(k.mv_data, 1, k.mv_size, stdout);
		printf(",%lld,%lld,%lld\n", (long long)le64(p + 8),
		       (long long)le64(p + 16), (long long)le64(p + 24));
	}
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	mdb_env_close(env);
	return 0;
}

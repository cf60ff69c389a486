/* byteorder.h - fixed-width integers in byte arrays, for the on-disk
 * formats: records and meta values little-endian, keys big-endian (so that
 * LMDB's byte order sorts them by number), snapshots little-endian. Every
 * function takes the width in bytes (1..8) or is fixed-width, and is
 * unaligned-safe. */
#ifndef DORMANT_BYTEORDER_H
#define DORMANT_BYTEORDER_H

#include <endian.h>
#include <stdint.h>
#include <string.h>

/* Store the n low bytes of v at p, least significant first. */
static inline void byteorder_put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint64_t byteorder_get_le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* Store the n low bytes of v at p, most significant first. */
static inline void byteorder_put_be(uint8_t *p, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static inline uint64_t byteorder_get_be(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

static inline void put_le64(uint8_t *p, int64_t v)
{
	byteorder_put_le(p, (uint64_t)v, 8);
}

static inline int64_t get_le64(const uint8_t *p)
{
	uint64_t u;

	memcpy(&u, p, 8);   /* unaligned-safe; one load on x86 (the reporter's
			       hot path decodes millions of these) */
	return (int64_t)le64toh(u);
}

#endif

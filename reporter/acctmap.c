/* acctmap.c - the name -> activity map of import-log and merge. */
#include "acctmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void acctmap_init(struct acctmap *map)
{
	memset(map, 0, sizeof(*map));
}

void acctmap_free(struct acctmap *map)
{
	for (size_t i = 0; i < map->size; i++)
		free(map->slots[i].name);
	free(map->slots);
	memset(map, 0, sizeof(*map));
}

static uint64_t hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

static int grow(struct acctmap *map)
{
	size_t size = map->size == 0 ? 1024 : map->size * 2;
	struct acctmap_entry *slots = calloc(size, sizeof(*slots));

	if (slots == NULL)
		return -1;
	for (size_t i = 0; i < map->size; i++) {
		size_t j;
		if (map->slots[i].name == NULL)
			continue;
		j = hash(map->slots[i].name) & (size - 1);
		while (slots[j].name != NULL)
			j = (j + 1) & (size - 1);
		slots[j] = map->slots[i];
	}
	free(map->slots);
	map->slots = slots;
	map->size = size;
	return 0;
}

static struct acctmap_entry *lookup(struct acctmap *map, const char *name)
{
	size_t j;

	if ((map->count + 1) * 10 > map->size * 7 && grow(map) < 0)
		return NULL;
	j = hash(name) & (map->size - 1);
	while (map->slots[j].name != NULL) {
		if (strcmp(map->slots[j].name, name) == 0)
			return &map->slots[j];
		j = (j + 1) & (map->size - 1);
	}
	map->slots[j].name = strdup(name);
	if (map->slots[j].name == NULL)
		return NULL;
	memset(&map->slots[j].act, 0, sizeof(map->slots[j].act));
	map->count++;
	return &map->slots[j];
}

int acctmap_apply(struct acctmap *map, const char *name,
		  const struct activity_event *ev)
{
	struct acctmap_entry *e = lookup(map, name);

	if (e == NULL)
		return -1;
	activity_apply(&e->act, ev);
	return 0;
}

int acctmap_fold(struct acctmap *map, const char *name,
		 const struct activity *rec)
{
	struct acctmap_entry *e = lookup(map, name);

	if (e == NULL)
		return -1;
	activity_merge(&e->act, rec);
	return 0;
}

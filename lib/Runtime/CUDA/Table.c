/*===- Table.c - Arrays searched in the order of the last run ----------===*\
\*===----------------------------------------------------------------------===*/

#include "Table.h"

#include <stdlib.h>
#include <string.h>

long quill_table_find(QuillTable *table,
                      int (*matches)(const void *element, const void *key),
                      const void *key) {
  for (size_t i = 0; i < table->count; ++i) {
    size_t index = (table->hint + i) % table->count;
    if (matches(quill_table_at(table, index), key)) {
      table->hint = index + 1;
      return (long)index;
    }
  }
  return -1;
}

void *quill_table_at(const QuillTable *table, size_t index) {
  return (char *)table->elements + index * table->elementSize;
}

void *quill_table_append(QuillTable *table) {
  if (table->count == table->capacity) {
    size_t capacity = table->capacity ? 2 * table->capacity : 64;
    void *grown = realloc(table->elements, capacity * table->elementSize);
    if (!grown)
      return NULL;
    table->elements = grown;
    table->capacity = capacity;
  }
  void *element = quill_table_at(table, table->count++);
  memset(element, 0, table->elementSize);
  return element;
}

void quill_table_clear(QuillTable *table) {
  free(table->elements);
  table->elements = NULL;
  table->count = table->capacity = table->hint = 0;
}

/*===- Table.h - Arrays searched in the order of the last run -----*- C -*-===*\
|*                                                                            *|
|* The CUDA runtime keeps its pooled buffers, uploaded constants and looked-  *|
|* up kernels in tables that every run searches in the same order, so a       *|
|* search starts where the last one ended.                                    *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef QUILL_RUNTIME_CUDA_TABLE_H
#define QUILL_RUNTIME_CUDA_TABLE_H

#include <stddef.h>

typedef struct QuillTable {
  void *elements;
  size_t elementSize;
  size_t count, capacity, hint;
} QuillTable;

/* The index of the first element from the hint on that `matches` `key`, or
 * -1. */
long quill_table_find(QuillTable *table,
                      int (*matches)(const void *element, const void *key),
                      const void *key);

/* The element at `index`. */
void *quill_table_at(const QuillTable *table, size_t index);

/* Appends a zeroed element and returns it (elements may move), or NULL when
 * out of host memory. */
void *quill_table_append(QuillTable *table);

/* Frees the elements; the table is empty again. */
void quill_table_clear(QuillTable *table);

#endif /* QUILL_RUNTIME_CUDA_TABLE_H */

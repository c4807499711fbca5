/* Whole transparent huge pages for the C twins of the large-message benchmarks (PingPong, CollectiveBench), the
   reference for the framework's LargeBufferPool: `bytes` rounded up to whole huge pages, on a huge-page boundary,
   advised (MADV_HUGEPAGE, as numpy does for large arrays) before the first touch. mmap only promises 4 KiB
   alignment, so one huge page more is mapped and the unaligned head and the tail are given back. NULL if mmap fails;
   a refused advice is reported on stderr and the pages stay ordinary. */
#ifndef HUGE_PAGES_H
#define HUGE_PAGES_H

#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>

enum { HUGE_PAGE = 2 << 20 };

static void *allocate_huge(size_t bytes)
{
    size_t length = (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE, mapped = length + HUGE_PAGE;
    char *start = mmap(NULL, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (start == MAP_FAILED)
        return NULL;
    char *aligned = (char *)(((uintptr_t)start + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE);
    if (aligned > start)
        munmap(start, (size_t)(aligned - start));
    size_t tail = mapped - (size_t)(aligned - start) - length;
    if (tail > 0)
        munmap(aligned + length, tail);
    if (madvise(aligned, length, MADV_HUGEPAGE) != 0)
        perror("madvise(MADV_HUGEPAGE)");
    return aligned;
}

#endif

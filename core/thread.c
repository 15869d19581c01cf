/*
 * thread.c - starting a thread that must start now.
 *
 * Linux here puts a new thread on its creator's processor, and where the
 * creator goes on computing the new one waits there until the scheduler's
 * next balancing moves one of them to the other processor, idle all the
 * while.  On this project's 2-core machine (30 starts each, the creator
 * and the new thread then computing 10 ms each): the new thread began
 * 4.2-4.8 ms (median) after pthread_create and both were done after 14.2-
 * 14.8 ms; with the creator sleeping until the new thread ran (a
 * handshake) it began after 0.08 ms but both were done after 13.3-14.8
 * ms (the creator then waited instead); started off the creator's
 * processor it began after 0.12-0.14 ms and both were done after 11.5-
 * 12.7 ms (the best of 30: 10.1).  So the new thread
 * is made to start on another of the processors the creator may use, and
 * takes the creator's whole set back as its first step.
 */
#define _GNU_SOURCE /* the affinity calls */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

#include "core.h"

typedef struct start {
    void *(*fn)(void *);
    void *arg;
    cpu_set_t all; /* the creator's processors */
} start;

static void *begin(void *p)
{
    start s = *(start *)p;
    free(p);
    pthread_setaffinity_np(pthread_self(), sizeof s.all, &s.all);
    return s.fn(s.arg);
}

int hfcore_thread_start(pthread_t *tid, void *(*fn)(void *), void *arg)
{
    start *s = malloc(sizeof *s);
    cpu_set_t other;
    int cpu = sched_getcpu();
    if (!s || sched_getaffinity(0, sizeof s->all, &s->all) != 0 || cpu < 0 ||
        cpu >= CPU_SETSIZE) {
        free(s);
        return pthread_create(tid, NULL, fn, arg);
    }
    s->fn = fn;
    s->arg = arg;
    other = s->all;
    CPU_CLR(cpu, &other);
    pthread_attr_t at;
    int away = CPU_COUNT(&other) > 0 && pthread_attr_init(&at) == 0;
    if (away && pthread_attr_setaffinity_np(&at, sizeof other, &other) != 0) {
        pthread_attr_destroy(&at);
        away = 0;
    }
    int rc = pthread_create(tid, away ? &at : NULL, begin, s);
    if (away)
        pthread_attr_destroy(&at);
    if (rc != 0)
        free(s);
    return rc;
}

/*
 * dispatch.c - handing out the items of a scan over MPI ranks.
 *
 * Rank 0 keeps the list of items still to compute and gives them out in
 * chunks, in input order, to whichever rank asks: a rank that finishes
 * early simply asks again, so a slow patch (a hard fit) or a slow node
 * delays only its own chunk.  A worker's request carries the finished
 * lines of its previous chunk.  Rank 0 also computes, in a second thread,
 * so that one rank per node is not spent on bookkeeping; MPI is called
 * from its main thread only (MPI_THREAD_FUNNELED).
 *
 * Waiting ranks sleep between polls rather than block in MPI: Open MPI
 * spins in a blocking receive, which would take a core from the threads
 * doing the fits on a small node.
 */
#include <mpi.h>
#include <omp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scan.h"

enum { TAG_WORK = 1, TAG_DONE = 2 };

typedef struct pool {
    const scan *s;
    char **lines;
    FILE *journal;
    int *todo, ntodo, next, chunk;
    int nfailed, oom;
    pthread_mutex_t mu;
} pool;

/* Sleeps *us microseconds and doubles it for next time, up to 2 ms: an
 * answer comes within 0.05 ms when one is due, and an idle poller costs
 * next to nothing beside fits that take tens of milliseconds. */
static void nap(long *us)
{
    struct timespec t = {0, *us * 1000};
    nanosleep(&t, NULL);
    if (*us < 2000)
        *us *= 2;
}

/* The next chunk: its start in todo[] and its size (0: none left).
 * Called with the lock held. */
static int take(pool *p, int *start)
{
    int k = p->ntodo - p->next < p->chunk ? p->ntodo - p->next : p->chunk;
    *start = p->next;
    p->next += k;
    return k;
}

/* Stores the k lines of `text` (each ending in '\n') as the results of
 * items idx[0..k) and appends them to the journal.  Lock held. */
static void deposit(pool *p, const int *idx, int k, const char *text,
                    int nfailed)
{
    const char *q = text;
    for (int r = 0; r < k; r++) {
        const char *nl = strchr(q, '\n');
        size_t l = nl ? (size_t)(nl - q) + 1 : 0;
        char *line = nl ? malloc(l + 1) : NULL;
        if (!line) {
            p->oom = 1; /* or a short message: never a line lost quietly */
            return;
        }
        memcpy(line, q, l);
        line[l] = '\0';
        p->lines[idx[r]] = line;
        q = nl + 1;
    }
    p->nfailed += nfailed;
    if (p->journal) {
        /* one write per chunk, flushed: a killed run loses at most the
         * chunks in flight */
        if (fputs(text, p->journal) == EOF || fflush(p->journal) != 0) {
            hfcli_msg("cannot append to the output file: an interrupted "
                       "run could not be resumed from here on");
            p->journal = NULL; /* the final rewrite still reports errors */
        }
    }
}

static void *local_worker(void *arg)
{
    pool *p = arg;
    for (;;) {
        int start, k, nf;
        pthread_mutex_lock(&p->mu);
        k = p->oom ? 0 : take(p, &start);
        pthread_mutex_unlock(&p->mu);
        if (k == 0)
            break;
        char *text = hfmpi_scan_compute(p->s, p->todo + start, k, &nf);
        pthread_mutex_lock(&p->mu);
        if (text)
            deposit(p, p->todo + start, k, text, nf);
        else
            p->oom = 1;
        pthread_mutex_unlock(&p->mu);
        free(text);
    }
    return NULL;
}

/* Rank 0: serve the other ranks until each has been told to stop. */
static void dispatch(pool *p, int size)
{
    int *cur = calloc((size_t)size, sizeof *cur);   /* start in todo[] */
    int *curk = calloc((size_t)size, sizeof *curk); /* its size */
    int active = size - 1;
    long us = 50;
    if (!cur || !curk) {
        p->oom = 1;
        MPI_Abort(MPI_COMM_WORLD, 1); /* the workers wait on us */
    }
    while (active > 0) {
        MPI_Status st;
        int flag, len;
        MPI_Iprobe(MPI_ANY_SOURCE, TAG_DONE, MPI_COMM_WORLD, &flag, &st);
        if (!flag) {
            nap(&us);
            continue;
        }
        us = 50;
        MPI_Get_count(&st, MPI_CHAR, &len);
        char *buf = malloc((size_t)len + 1);
        if (!buf)
            MPI_Abort(MPI_COMM_WORLD, 1);
        int src = st.MPI_SOURCE;
        MPI_Recv(buf, len, MPI_CHAR, src, TAG_DONE, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE);
        buf[len] = '\0';
        /* "NFAILED\n" then the lines */
        char *body = strchr(buf, '\n');
        int start = 0, k;
        pthread_mutex_lock(&p->mu);
        if (curk[src] > 0 && body)
            deposit(p, p->todo + cur[src], curk[src], body + 1, atoi(buf));
        else if (curk[src] > 0)
            p->oom = 1;
        k = p->oom ? 0 : take(p, &start);
        pthread_mutex_unlock(&p->mu);
        free(buf);
        cur[src] = start;
        curk[src] = k;
        MPI_Send(p->todo + start, k, MPI_INT, src, TAG_WORK, MPI_COMM_WORLD);
        if (k == 0)
            active--;
    }
    free(cur);
    free(curk);
}

/* Other ranks: ask, compute, answer with the lines, until told to stop. */
static void work(const scan *s)
{
    int cap = 0, *idx = NULL;
    char *msg = strdup("0\n");
    for (;;) {
        MPI_Status st;
        int flag = 0, k;
        long us = 50;
        if (!msg)
            MPI_Abort(MPI_COMM_WORLD, 1);
        MPI_Send(msg, (int)strlen(msg), MPI_CHAR, 0, TAG_DONE, MPI_COMM_WORLD);
        free(msg);
        while (MPI_Iprobe(0, TAG_WORK, MPI_COMM_WORLD, &flag, &st), !flag)
            nap(&us);
        MPI_Get_count(&st, MPI_INT, &k);
        if (k > cap) {
            free(idx);
            idx = malloc((size_t)(cap = k) * sizeof *idx);
            if (!idx)
                MPI_Abort(MPI_COMM_WORLD, 1);
        }
        MPI_Recv(idx, k, MPI_INT, 0, TAG_WORK, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE);
        if (k == 0)
            break;
        int nf;
        char *text = hfmpi_scan_compute(s, idx, k, &nf);
        if (!text)
            MPI_Abort(MPI_COMM_WORLD, 1); /* the journal keeps what is done */
        size_t l = strlen(text);
        msg = malloc(l + 16);
        if (msg) {
            int h = snprintf(msg, 16, "%d\n", nf);
            memcpy(msg + h, text, l + 1);
        }
        free(text);
    }
    free(idx);
}

int hfmpi_scan_run(const scan *s, char **lines, FILE *journal, int chunk,
             int dispatch_only)
{
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int rc = 0;
    if (rank != 0) {
        work(s);
    } else {
        pool p = {.s = s, .lines = lines, .journal = journal};
        pthread_mutex_init(&p.mu, NULL);
        p.todo = malloc((s->n > 0 ? (size_t)s->n : 1) * sizeof *p.todo);
        if (!p.todo)
            MPI_Abort(MPI_COMM_WORLD, 1);
        for (int i = 0; i < s->n; i++)
            if (!lines[i])
                p.todo[p.ntodo++] = i;
        int local = !dispatch_only || size == 1;
        int workers = size - 1 + local;
        if ((p.chunk = chunk) <= 0) {
            /* a chunk keeps one rank's threads busy twice over, yet the
             * items make at least four chunks per worker so that the
             * last chunks, handed to whoever is free, even out the end */
            int t = s->bo.threads > 0 ? s->bo.threads : omp_get_max_threads();
            int per = (p.ntodo + 4 * workers - 1) / (4 * workers);
            p.chunk = 2 * t < per ? 2 * t : per;
            if (p.chunk < 1)
                p.chunk = 1;
        }
        pthread_t th;
        int started = local && pthread_create(&th, NULL, local_worker, &p) == 0;
        if (local && !started)
            local_worker(&p); /* no thread: compute before serving */
        dispatch(&p, size);
        if (started)
            pthread_join(th, NULL);
        if (p.oom) {
            hfcli_msg("out of memory");
            rc = -1;
        } else {
            rc = p.nfailed;
        }
        pthread_mutex_destroy(&p.mu);
        free(p.todo);
    }
    /* Wait for everyone without spinning, then MPI_Finalize is quick. */
    MPI_Request req;
    int done = 0;
    long us = 50;
    MPI_Ibarrier(MPI_COMM_WORLD, &req);
    while (MPI_Test(&req, &done, MPI_STATUS_IGNORE), !done)
        nap(&us);
    return rc;
}

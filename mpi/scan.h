/*
 * scan.h - declarations shared by the files of `hfscan` (mpi/), the MPI
 * driver that spreads the patches of a signal scan over many processes.
 *
 * Every rank reads the workspace and the patchsets itself (a cluster has a
 * shared file system; broadcasting a 100 MB patchset would cost more than
 * parsing it), so a patch travels between ranks as its index only, and a
 * result as its finished output line.
 */
#ifndef HF_SCAN_H
#define HF_SCAN_H

#include <stddef.h>

#include "cli/cli.h"

/* One input file after the workspace: a pyhf patchset (all its patches)
 * or a plain RFC 6902 patch (one signal, named after the file). */
typedef struct scan_input {
    const char *path;
    hf_patchset *ps;   /* NULL for a plain patch file */
    int first;         /* global index of its first item */
    int n;             /* items it contributes */
} scan_input;

typedef struct scan {
    hf_workspace *ws;
    scan_input *in;
    int nin;
    int n;                  /* items over all inputs, in input order */
    hf_batch_options bo;
    hf_fit_options fo;      /* bo.fit: --full-hessian */
    hf_model_options mo;
    int no_verify;          /* --no-verify: patchsets' digests unchecked */
} scan;

/* items.c --------------------------------------------------------------- */

/* Opens the inputs (patchsets are parsed, plain patches only counted:
 * each is read by the rank that computes it).  Returns an HF_EXIT_*. */
int hfmpi_scan_open(scan *s, const char *ws_path, const char **paths, int npaths);
void hfmpi_scan_close(scan *s);
/* The output line's start, up to and without the closing brace:
 * {"patch": name, "values": [...]   (malloc'd, NULL when out of memory). */
char *hfmpi_scan_prefix(const scan *s, int i);
/* Computes items idx[0..k) with the OpenMP batch core and returns their
 * lines, each ending in '\n', concatenated in idx order (malloc'd).  A
 * failing patch gives an "error" line; NULL only when out of memory.
 * *nfailed counts the error lines. */
char *hfmpi_scan_compute(const scan *s, const int *idx, int k, int *nfailed);

/* resume.c -------------------------------------------------------------- */

/* The journal's first line: the options that change the lines' numbers,
 * as this run has them, ending in '\n' (malloc'd; NULL when out of
 * memory).  The finished output has no such line. */
char *hfmpi_scan_header(const scan *s);
/* Reads the partial output `path` of an earlier run and fills lines[i]
 * (malloc'd, with its '\n') for every item it already holds a finished
 * result for: a complete line with CLs (errors are computed again), that
 * has upper limits exactly when this run asks for them, matched to an
 * item by its patch name and values (the k-th such line to the k-th such
 * item).  A missing file is an empty one.  Returns how many were taken,
 * or -1 after a message (also for a header line other than this run's:
 * the file was begun with other options; and for finished lines in a file
 * without a header: a finished output, whose options nothing records). */
int hfmpi_scan_resume(const scan *s, const char *path, char **lines);
/* Computes the first item lines[] holds again and compares the lines byte
 * for byte: 0 when they are the same (or nothing was kept), -1 after a
 * message when the file was made with other options or inputs. */
int hfmpi_scan_resume_check(const scan *s, const char *path, char **lines);

/* dispatch.c ------------------------------------------------------------ */

/* Runs the scan over MPI_COMM_WORLD (initialised with at least
 * MPI_THREAD_FUNNELED).  On rank 0 `lines` holds the results already
 * known (NULL entries are computed) and receives the others; `journal`,
 * when not NULL, gets every new line as soon as it arrives, so that an
 * interrupted run can be resumed.  Rank 0 dispatches chunks of `chunk`
 * items (0: chosen from the sizes) and, unless `dispatch_only` (and there
 * are other ranks), computes chunks itself in a second thread.  Returns
 * the number of error lines on rank 0, 0 elsewhere, -1 when out of
 * memory (after a message). */
int hfmpi_scan_run(const scan *s, char **lines, FILE *journal, int chunk,
             int dispatch_only);

#endif

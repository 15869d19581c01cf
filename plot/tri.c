/*
 * tri.c - a triangulation of scattered points, for contours.
 *
 * Two simple steps instead of a full Delaunay construction:
 *
 *  1. A sweep: points sorted by x (then y) are added one at a time; each
 *     new point lies outside the hull built so far, so it is joined to
 *     every hull edge it sees.  That is always a valid triangulation of
 *     the convex hull, but with long thin triangles.
 *  2. Lawson's edge flips: while some triangle has the far vertex of a
 *     neighbour inside its circumcircle, flip their shared edge.  This
 *     ends in the Delaunay triangulation (the one whose smallest angles
 *     are largest), so linear interpolation on it follows the data rather
 *     than the sweep order.
 *
 * Signal grids are a few hundred points, so plain O(n h) hull updates and
 * a rebuild of the adjacency per flip pass are fast enough and easy to
 * check.  Callers scale x and y to comparable ranges first: "nearest" is
 * only meaningful in the units the plot shows.
 */
#define _GNU_SOURCE /* glibc's qsort_r: the points reach the comparator
                       without a global */
#include <stdlib.h>
#include <string.h>

#include "plot.h"

typedef struct points {
    const double *x, *y;
} points;

static int by_xy(const void *a, const void *b, void *ctx)
{
    const points *P = ctx;
    int i = *(const int *)a, j = *(const int *)b;
    if (P->x[i] != P->x[j])
        return P->x[i] < P->x[j] ? -1 : 1;
    if (P->y[i] != P->y[j])
        return P->y[i] < P->y[j] ? -1 : 1;
    return 0;
}

/* Twice the signed area of (a, b, c): > 0 counter-clockwise. */
static double orient(const double *x, const double *y, int a, int b, int c)
{
    return (x[b] - x[a]) * (y[c] - y[a]) - (y[b] - y[a]) * (x[c] - x[a]);
}

/* > 0 when d is inside the circumcircle of counter-clockwise (a, b, c). */
static double incircle(const double *x, const double *y, int a, int b, int c,
                       int d)
{
    double ax = x[a] - x[d], ay = y[a] - y[d];
    double bx = x[b] - x[d], by = y[b] - y[d];
    double cx = x[c] - x[d], cy = y[c] - y[d];
    double a2 = ax * ax + ay * ay, b2 = bx * bx + by * by,
           c2 = cx * cx + cy * cy;
    return ax * (by * c2 - b2 * cy) - ay * (bx * c2 - b2 * cx) +
           a2 * (bx * cy - by * cx);
}

typedef struct edge {
    int a, b;  /* a < b */
    int t, k;  /* triangle and its edge k (v[k] -> v[k+1]) */
} edge;

static int by_edge(const void *p, const void *q)
{
    const edge *e = p, *f = q;
    if (e->a != f->a)
        return e->a < f->a ? -1 : 1;
    return e->b < f->b ? -1 : e->b > f->b;
}

/* One pass of flips over the adjacency as it was at the start of the
 * pass; each triangle takes part in at most one flip.  Returns the count. */
static int flip_pass(const double *x, const double *y, int *t, int nt,
                     edge *e, unsigned char *used)
{
    int ne = 0, flips = 0;
    for (int i = 0; i < nt; i++)
        for (int k = 0; k < 3; k++) {
            int a = t[3 * i + k], b = t[3 * i + (k + 1) % 3];
            e[ne++] = (edge){a < b ? a : b, a < b ? b : a, i, k};
        }
    qsort(e, (size_t)ne, sizeof *e, by_edge);
    memset(used, 0, (size_t)nt);
    for (int j = 0; j + 1 < ne; j++) {
        if (e[j].a != e[j + 1].a || e[j].b != e[j + 1].b)
            continue;
        int ti = e[j].t, tu = e[j + 1].t;
        if (used[ti] || used[tu])
            continue;
        int *T = t + 3 * ti, *U = t + 3 * tu;
        int a = T[e[j].k], b = T[(e[j].k + 1) % 3], c = T[(e[j].k + 2) % 3];
        int d = U[(e[j + 1].k + 2) % 3];
        /* The tolerance keeps cocircular grid squares from flipping back
         * and forth. */
        double scale = 1e-12;
        if (incircle(x, y, a, b, c, d) <= scale)
            continue;
        /* (a, b, c) and (b, a, d) become (a, d, c) and (d, b, c). */
        if (orient(x, y, a, d, c) <= 0 || orient(x, y, d, b, c) <= 0)
            continue;
        T[0] = a, T[1] = d, T[2] = c;
        U[0] = d, U[1] = b, U[2] = c;
        used[ti] = used[tu] = 1;
        flips++;
        j++;
    }
    return flips;
}

/* idx (n) sorted by x then y, duplicates dropped; the count kept. */
static int sort_unique(const double *x, const double *y, int n, int *idx)
{
    for (int i = 0; i < n; i++)
        idx[i] = i;
    points P = {x, y};
    qsort_r(idx, (size_t)n, sizeof *idx, by_xy, &P);
    /* Duplicates add nothing (and would make zero-area triangles). */
    int m = 1;
    for (int i = 1; i < n; i++)
        if (x[idx[i]] != x[idx[m - 1]] || y[idx[i]] != y[idx[m - 1]])
            idx[m++] = idx[i];
    return m;
}

/* A sweep's triangles (t, *nt) and hull (counter-clockwise, *nh). */
typedef struct sweep {
    int *t, nt;
    int *hull, nh;
} sweep;

/* The first points may lie on one line (a column of a grid): fans them
 * from the first point off that line, idx[k]; k, or m when all m points
 * lie on one line. */
static int first_fan(const double *x, const double *y, const int *idx, int m,
                     sweep *S)
{
    int k = 2;
    while (k < m && orient(x, y, idx[0], idx[1], idx[k]) == 0)
        k++;
    if (k == m)
        return m;
    int p = idx[k], ccw = orient(x, y, idx[0], idx[k - 1], p) > 0;
    for (int i = 0; i + 1 < k; i++) {
        int *T = S->t + 3 * S->nt++;
        T[0] = ccw ? idx[i] : idx[i + 1];
        T[1] = ccw ? idx[i + 1] : idx[i];
        T[2] = p;
    }
    for (int i = 0; i < k; i++)
        S->hull[S->nh++] = idx[ccw ? i : k - 1 - i];
    S->hull[S->nh++] = p;
    return k;
}

/* Joins p, outside the hull, to every hull edge it sees; -1 when out of
 * memory. */
static int add_point(const double *x, const double *y, int p, sweep *S)
{
    int nh = S->nh, *hull = S->hull;
    /* The edges p sees form one run of the (cyclic) hull; find where it
     * starts: a visible edge whose predecessor is not visible. */
    int start = -1;
    for (int i = 0; i < nh; i++) {
        int vis = orient(x, y, hull[i], hull[(i + 1) % nh], p) < 0;
        int prev = orient(x, y, hull[(i + nh - 1) % nh], hull[i], p) < 0;
        if (vis && !prev) {
            start = i;
            break;
        }
    }
    if (start < 0)
        return 0;  /* on the hull already: nothing to add */
    int run = 0;
    while (run < nh &&
           orient(x, y, hull[(start + run) % nh],
                  hull[(start + run + 1) % nh], p) < 0) {
        int a = hull[(start + run) % nh], b = hull[(start + run + 1) % nh];
        int *T = S->t + 3 * S->nt++;
        T[0] = b, T[1] = a, T[2] = p;
        run++;
    }
    /* Hull vertices strictly inside the run leave the hull; p goes
     * between its two ends.  Rotate so the run starts at 0 first. */
    int *tmp = malloc(sizeof *tmp * (size_t)(nh + 1));
    if (!tmp)
        return -1;
    int nn = 0;
    tmp[nn++] = hull[start];
    tmp[nn++] = p;
    for (int i = run; i < nh; i++)
        tmp[nn++] = hull[(start + i) % nh];
    memcpy(hull, tmp, sizeof *tmp * (size_t)nn);
    S->nh = nn;
    free(tmp);
    return 0;
}

/* Lawson's flips until none is left; -1 when out of memory. */
static int delaunay(const double *x, const double *y, int n, int *t, int nt)
{
    edge *e = malloc(sizeof *e * 3 * (size_t)(nt + 1));
    unsigned char *used = malloc((size_t)nt + 1);
    if (!e || !used) {
        free(e), free(used);
        return -1;
    }
    /* Each pass flips at least one edge towards Delaunay; the bound only
     * guards against a numerical cycle. */
    for (int pass = 0; pass < 10 * n; pass++)
        if (flip_pass(x, y, t, nt, e, used) == 0)
            break;
    free(e);
    free(used);
    return 0;
}

int hfplot_triangulate(const double *x, const double *y, int n, int **tris)
{
    *tris = NULL;
    if (n < 3)
        return 0;
    int *idx = malloc(sizeof *idx * (size_t)n);
    sweep S = {malloc(sizeof *S.t * 3 * (size_t)(2 * n + 4)), 0,
               malloc(sizeof *S.hull * (size_t)(n + 1)), 0};
    int rc = 0;
    if (!idx || !S.hull || !S.t) {
        rc = -1;
    } else {
        int m = sort_unique(x, y, n, idx);
        int k = first_fan(x, y, idx, m, &S);
        if (k == m)
            S.nt = 0; /* all on one line: no triangle */
        for (int s = k + 1; rc == 0 && s < m; s++)
            rc = add_point(x, y, idx[s], &S);
        if (rc == 0 && S.nt > 0)
            rc = delaunay(x, y, n, S.t, S.nt);
    }
    free(idx);
    free(S.hull);
    if (rc != 0 || S.nt == 0) {
        free(S.t);
        return rc;
    }
    *tris = S.t;
    return S.nt;
}

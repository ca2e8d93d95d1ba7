/* nmap's data files (nmap-services, nmap-payloads, nmap-mac-prefixes, nmap-service-probes)
 * are read at run time where the nmap-common package puts them. One search for all of
 * them (core/datafile.c): the directory given (--datadir), else $WIREKIT_DATADIR and then
 * /usr/share/nmap. */
#ifndef WK_CORE_DATAFILE_INT_H
#define WK_CORE_DATAFILE_INT_H

#include <stddef.h>
#include <stdio.h>

#include "wirekit/err.h"

#define DATAFILE_DIR "/usr/share/nmap"

/* Open name for reading. path gets the path opened, or the last one tried; tried (may be
 * NULL) every path tried, joined by " and ". NULL when none opens. */
FILE *datafile_open(const char *datadir, const char *name, char *path, size_t plen, char *tried,
                    size_t tlen);
/* Read all of f (then closed) into a new buffer of at most max bytes: *text (free it) and
 * *n. A read error or a file of max bytes or more is an error naming path. */
int datafile_slurp(FILE *f, const char *path, size_t max, char **text, size_t *n,
                   struct wk_error *err);

#endif

#ifndef CSQLITE_SHIM_H
#define CSQLITE_SHIM_H
// The system libsqlite3 (Debian: libsqlite3-dev). Nothing is vendored.
#include <sqlite3.h>
#endif

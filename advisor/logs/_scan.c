/*
 * advisor.logs._scan: the bulk import's parser of plain-text REPORT logs, in C.
 *
 * ReportScan(path, threads=..., store_order=...) maps a log file and parses it in windows of
 * whole lines (8 MB by default), each window split among `threads` threads that run without
 * the GIL. The records leave as Arrow batches through a bounded queue, which DuckDB reads as
 * an Arrow C stream (the PyCapsule interface, `__arrow_c_stream__`): no Python object is
 * made per line, and memory stays bounded whatever the size of the file (a window being
 * parsed, the records held back for ordering, the queued batches, and one 8-byte hash per
 * request id up to MAX_TRACKED_IDS). Pages of the mapping already parsed are given back to
 * the kernel (MADV_DONTNEED). Why C: see docs/import.md.
 *
 * Store order (end time, then request id; records without a time last, by request id) is
 * made on the way: each thread sorts its records (a radix sort), and a window's records are
 * merged with those held back from earlier windows. A record earlier than the newest window's
 * earliest one is handed over. A log whose records are further out of order than that (or
 * that holds more records without a time than MAX_UNTIMED) fails with the reason
 * "out of store order": its caller reads it again in file order and lets DuckDB sort.
 *
 * It implements the checks of the SQL fast path (advisor/logs/fast.py: NEEDS_EXACT and
 * CANONICAL_TERMS), accepting a subset of what that path accepts and computing the same
 * values; see fast.py for why each check exists. A line it does not vouch for ends the
 * stream with an error naming the line (and `failure` says it); the caller has DuckDB parse
 * the file instead.
 *
 * Columns (fast.scan_select adds the ones a REPORT line never fills): request_id (utf8),
 * start_time, end_time (timestamp[ns], null without a time prefix), duration_ms (float64),
 * billed_duration_ms, memory_mb, max_memory_used_mb (int64), init_ms (float64, nullable),
 * status (utf8), error_type (utf8, nullable).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Bumped whenever the parsing rules or the interface change; fast.py refuses other builds. */
#define SCAN_VERSION 2
#define DEFAULT_BATCH_ROWS 122880
/* Request ids up to this long are copied in one fixed-size block (a UUID is 36 bytes). */
#define COPY_BLOCK 48
/* Bytes of file parsed at a time (whole lines; a window ends at the end of a line). */
#define DEFAULT_WINDOW_BYTES (8u << 20)
/* Bytes of Arrow batches built ahead of the reader at most (at least one batch). */
#define DEFAULT_QUEUE_BYTES (32u << 20)
/* advisor.logs.report.EMULATOR_MEMORY_MB: the local emulator's default memory size. */
#define EMULATOR_MEMORY_MB 3008
/* DuckDB's read_csv refuses longer lines (the SQL path then falls back), so this one does. */
#define MAX_LINE_BYTES (2 * 1024 * 1024)
/* Parser threads at most. */
#define MAX_THREADS 16
/* Request id hashes kept to find repeated ids (8 bytes each); beyond, `duplicates` is None. */
#define MAX_TRACKED_IDS (4u << 20)
/* Records without a time held back (they go last) at most, in store order. */
#define MAX_UNTIMED (1u << 18)
/* Records held back for ordering at most, in store order: beyond, the log is out of order. */
#define MAX_HELD (1u << 20)

/* ---- Arrow C data interface (https://arrow.apache.org/docs/format/CDataInterface.html) ---- */
#ifndef ARROW_C_DATA_INTERFACE
#define ARROW_C_DATA_INTERFACE
#define ARROW_FLAG_NULLABLE 2
struct ArrowSchema {
    const char *format;
    const char *name;
    const char *metadata;
    int64_t flags;
    int64_t n_children;
    struct ArrowSchema **children;
    struct ArrowSchema *dictionary;
    void (*release)(struct ArrowSchema *);
    void *private_data;
};
struct ArrowArray {
    int64_t length;
    int64_t null_count;
    int64_t offset;
    int64_t n_buffers;
    int64_t n_children;
    const void **buffers;
    struct ArrowArray **children;
    struct ArrowArray *dictionary;
    void (*release)(struct ArrowArray *);
    void *private_data;
};
#endif
#ifndef ARROW_C_STREAM_INTERFACE
#define ARROW_C_STREAM_INTERFACE
struct ArrowArrayStream {
    int (*get_schema)(struct ArrowArrayStream *, struct ArrowSchema *out);
    int (*get_next)(struct ArrowArrayStream *, struct ArrowArray *out);
    const char *(*get_last_error)(struct ArrowArrayStream *);
    void (*release)(struct ArrowArrayStream *);
    void *private_data;
};
#endif

/* ---- the columns ---- */
enum { C_RID, C_START, C_END, C_DUR, C_BILLED, C_MEM, C_USED, C_INIT, C_STATUS, C_ERROR, N_COLUMNS };
static const char *const COLUMN_NAMES[N_COLUMNS] = {
    "request_id", "start_time", "end_time", "duration_ms", "billed_duration_ms", "memory_mb",
    "max_memory_used_mb", "init_ms", "status", "error_type"};
/* Status is dictionary-encoded: int8 codes into STATUS_DICTIONARY (its values in order). */
static const char *const COLUMN_FORMATS[N_COLUMNS] = {"u", "tsn:", "tsn:", "g", "l",
                                                      "l", "l", "g", "c", "u"};
static const int32_t STATUS_OFFSETS[] = {0, 7, 14, 19};
static const char STATUS_VALUES[] = "successtimeouterror";

/* ---- one parsed record ---- */
/* The Status field: none (then it is derived), or its value. */
enum { S_NONE, S_SUCCESS, S_TIMEOUT, S_ERROR };

typedef struct {
    int64_t end_ns;     /* when has_end */
    int64_t elapsed_ns; /* duration + init, rounded half to even: start = end - elapsed */
    double duration, init;
    int64_t billed, memory, used;
    const char *rid, *error; /* into the mapping (or, for records held to the end, a copy) */
    uint32_t rid_len, error_len;
    uint32_t window; /* the window it was parsed in (whose pages it points into) */
    uint8_t has_end, has_init, status;
} Record;

/* start = end - elapsed, as fast._records computes it (round_even of a double, then BIGINT):
 * 0 for a value DuckDB's cast would refuse (the SQL parser then raises, as it should). */
static int elapsed_ns(Record *r) {
    double ns = (r->duration + (r->has_init ? r->init : 0.0)) * 1000000.0;
    double rounded = nearbyint(ns); /* the default rounding mode: half to even */
    if (!(rounded > -4.0e18 && rounded < 4.0e18)) return 0;
    r->elapsed_ns = (int64_t)rounded;
    return 1;
}

/* ---- character tests ---- */
static inline int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static inline int is_blank(unsigned char c) { return c == ' ' || c == '\t'; }
/* Request id characters ([0-9A-Za-z._-]) and, with ':', Error Type characters: a table,
 * since the request id check runs on every record. */
enum { C_ID = 1, C_ERROR_TYPE = 2 };
static uint8_t CHAR_CLASS[256];

static void init_char_classes(void) {
    for (int c = 0; c < 256; c++) {
        int id = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                 c == '.' || c == '_' || c == '-';
        CHAR_CLASS[c] = (uint8_t)((id ? C_ID | C_ERROR_TYPE : 0) | (c == ':' ? C_ERROR_TYPE : 0));
    }
}

static inline int is_id_char(unsigned char c) { return CHAR_CLASS[c] & C_ID; }
static inline int is_error_char(unsigned char c) { return CHAR_CLASS[c] & C_ERROR_TYPE; }

#define starts_with(s, n, prefix) ((n) >= sizeof prefix - 1 && memcmp(s, prefix, sizeof prefix - 1) == 0)
#define contains(s, n, needle) (memmem(s, n, needle, sizeof needle - 1) != NULL)

/* Bit flags of the rare bytes a line holds, so that most lines skip the substring searches. */
enum { F_QUOTE = 1, F_PAREN = 2, F_K = 4, F_P = 8, F_BAD = 16, F_HIGH = 32 };

static inline unsigned byte_flags(unsigned char c) {
    return (c == '"' ? F_QUOTE : 0) | (c == '(' ? F_PAREN : 0) | (c == 'k' ? F_K : 0) |
           (c == 'P' ? F_P : 0) | (c == '\r' || c == 0 || c == 0x1f ? F_BAD : 0) |
           (c >= 0x80 ? F_HIGH : 0);
}

/* The length of the line at s (up to '\n' or n) and, in *flags, the rare bytes it holds:
 * one pass of sixteen bytes at a time with SSE2 (every x86-64 has it). */
#if defined(__SSE2__)
#include <emmintrin.h>
static size_t scan_line(const unsigned char *s, size_t n, unsigned *flags) {
    const __m128i newline = _mm_set1_epi8('\n'), quote = _mm_set1_epi8('"'),
                  paren = _mm_set1_epi8('('), k = _mm_set1_epi8('k'), p = _mm_set1_epi8('P'),
                  cr = _mm_set1_epi8('\r'), nul = _mm_setzero_si128(), unit = _mm_set1_epi8(0x1f);
    __m128i q = nul, pa = nul, kk = nul, pp = nul, bad = nul, high = nul;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(s + i));
        __m128i eq_q = _mm_cmpeq_epi8(v, quote), eq_pa = _mm_cmpeq_epi8(v, paren),
                eq_k = _mm_cmpeq_epi8(v, k), eq_p = _mm_cmpeq_epi8(v, p),
                eq_bad = _mm_or_si128(_mm_cmpeq_epi8(v, cr),
                                      _mm_or_si128(_mm_cmpeq_epi8(v, nul), _mm_cmpeq_epi8(v, unit)));
        unsigned end = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, newline));
        if (end != 0) {
            unsigned before = (1u << __builtin_ctz(end)) - 1; /* the bytes before the newline */
            unsigned flags_now =
                ((_mm_movemask_epi8(q) | (_mm_movemask_epi8(eq_q) & before)) ? F_QUOTE : 0) |
                ((_mm_movemask_epi8(pa) | (_mm_movemask_epi8(eq_pa) & before)) ? F_PAREN : 0) |
                ((_mm_movemask_epi8(kk) | (_mm_movemask_epi8(eq_k) & before)) ? F_K : 0) |
                ((_mm_movemask_epi8(pp) | (_mm_movemask_epi8(eq_p) & before)) ? F_P : 0) |
                ((_mm_movemask_epi8(bad) | (_mm_movemask_epi8(eq_bad) & before)) ? F_BAD : 0) |
                ((_mm_movemask_epi8(high) | (_mm_movemask_epi8(v) & before)) ? F_HIGH : 0);
            *flags = flags_now;
            return i + (size_t)__builtin_ctz(end);
        }
        q = _mm_or_si128(q, eq_q);
        pa = _mm_or_si128(pa, eq_pa);
        kk = _mm_or_si128(kk, eq_k);
        pp = _mm_or_si128(pp, eq_p);
        bad = _mm_or_si128(bad, eq_bad);
        high = _mm_or_si128(high, v);
    }
    unsigned flags_now = (_mm_movemask_epi8(q) ? F_QUOTE : 0) | (_mm_movemask_epi8(pa) ? F_PAREN : 0) |
                         (_mm_movemask_epi8(kk) ? F_K : 0) | (_mm_movemask_epi8(pp) ? F_P : 0) |
                         (_mm_movemask_epi8(bad) ? F_BAD : 0) | (_mm_movemask_epi8(high) ? F_HIGH : 0);
    for (; i < n && s[i] != '\n'; i++) flags_now |= byte_flags(s[i]);
    *flags = flags_now;
    return i;
}
#else
static size_t scan_line(const unsigned char *s, size_t n, unsigned *flags) {
    unsigned flags_now = 0;
    size_t i = 0;
    for (; i < n && s[i] != '\n'; i++) flags_now |= byte_flags(s[i]);
    *flags = flags_now;
    return i;
}
#endif


/* Whether s[0..n) is valid UTF-8 (as DuckDB's reader requires; it refuses the file otherwise). */
static int valid_utf8(const unsigned char *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len;
        uint32_t cp;
        if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if (i + len > n) return 0;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80) return 0;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
            (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
            return 0;
        i += len;
    }
    return 1;
}

/* ---- fast.NEEDS_EXACT: lines the exact parser must judge ---- */
static const char *const CONTINUATION_KEYS[] = {
    "Duration:", "Billed Duration:", "Memory Size:", "Max Memory Used:", "Init Duration:",
    "Restore Duration:", "Billed Restore Duration:", "Status:", "Error Type:", NULL};

static int starts_with_key(const char *s, size_t n) {
    for (const char *const *key = CONTINUATION_KEYS; *key != NULL; key++) {
        size_t k = strlen(*key);
        if (n >= k && memcmp(s, *key, k) == 0) return 1;
    }
    return 0;
}

/* '[ \t]*\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}[^ \t]*[ \t]*', matched in full. */
static int time_only(const unsigned char *s, size_t n) {
    size_t i = 0;
    while (i < n && is_blank(s[i])) i++;
    static const char shape[] = "dddd-dd-ddXdd:dd:dd";
    for (size_t k = 0; k < sizeof shape - 1; k++, i++) {
        if (i >= n) return 0;
        char want = shape[k];
        if (want == 'd' ? !is_digit(s[i]) : want == 'X' ? (s[i] != 'T' && s[i] != ' ')
                                                          : s[i] != (unsigned char)want)
            return 0;
    }
    while (i < n && !is_blank(s[i])) i++;
    while (i < n && is_blank(s[i])) i++;
    return i == n;
}

static int needs_exact(const char *s, size_t n, unsigned flags) {
    if ((flags & F_K) && contains(s, n, "Task timed out after")) return 1;
    if ((flags & F_PAREN) && contains(s, n, "(rapid)")) return 1;
    if ((flags & F_QUOTE) && (contains(s, n, "\"platform.") || contains(s, n, "\"event_type\"")))
        return 1;
    if (n > 0 && !is_digit((unsigned char)s[0])) {
        if (s[0] == '@' || starts_with_key(s, n)) return 1;
        if (is_blank((unsigned char)s[0])) {
            size_t i = 0;
            while (i < n && is_blank((unsigned char)s[i])) i++;
            if (starts_with_key(s + i, n - i)) return 1;
        }
    }
    return n < 48 && time_only((const unsigned char *)s, n);
}

/* ---- values ---- */
static const double POW10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                               1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                               1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* '\d+(\.\d+)?' as the nearest double (as DuckDB's CAST); 0 when s is not of that shape. */
static int parse_decimal(const char *s, size_t n, double *out) {
    size_t i = 0, fraction = 0, digits = 0;
    uint64_t mantissa = 0;
    int exact = 1;
    while (i < n && is_digit((unsigned char)s[i])) {
        if (mantissa > (UINT64_MAX - 9) / 10) exact = 0;
        else mantissa = mantissa * 10 + (uint64_t)(s[i] - '0');
        i++;
        digits++;
    }
    if (digits == 0) return 0;
    if (i < n) {
        if (s[i] != '.') return 0;
        i++;
        size_t start = i;
        while (i < n && is_digit((unsigned char)s[i])) {
            if (mantissa > (UINT64_MAX - 9) / 10) exact = 0;
            else mantissa = mantissa * 10 + (uint64_t)(s[i] - '0');
            i++;
        }
        fraction = i - start;
        if (fraction == 0 || i != n) return 0;
    }
    /* Both operands exact, so one IEEE division rounds correctly (Clinger's fast path). */
    if (exact && mantissa <= (UINT64_C(1) << 53) && fraction <= 22) {
        *out = (double)mantissa / POW10[fraction];
        return 1;
    }
    char copy[64];
    if (n >= sizeof copy) return 0;
    memcpy(copy, s, n);
    copy[n] = '\0';
    *out = strtod(copy, NULL); /* correctly rounded in glibc; '.' in the C numeric locale */
    return 1;
}

/* '\d+' as int64 (at most 18 digits, so it always fits). */
static int parse_digits(const char *s, size_t n, int64_t *out) {
    if (n == 0 || n > 18) return 0;
    int64_t value = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit((unsigned char)s[i])) return 0;
        value = value * 10 + (s[i] - '0');
    }
    *out = value;
    return 1;
}

/* A field 'PREFIX value SUFFIX' (LIKE 'PREFIX% SUFFIX'): its value, or NULL. */
static inline __attribute__((always_inline)) const char *field_value(const char *s, size_t n, const char *prefix, const char *suffix,
                               size_t *len) {
    size_t p = strlen(prefix), q = strlen(suffix);
    if (n < p + q || memcmp(s, prefix, p) != 0 || memcmp(s + n - q, suffix, q) != 0) return NULL;
    *len = n - p - q;
    return s + p;
}

static int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* 'YYYY-MM-DDTHH:MM:SS(.d{1,6})?Z' as ns since the epoch (as CAST(... AS TIMESTAMP) and
 * epoch_ns); 0 for another shape or a value this parser does not vouch for. */
static int parse_stamp(const char *s, size_t n, int64_t *out) {
    /* The digits of 'dddd-dd-ddTdd:dd:dd', every check unrolled (a stamp a line). */
    static const unsigned char AT[14] = {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18};
    if (n != 20 && (n < 22 || n > 27)) return 0;
    const unsigned char *u = (const unsigned char *)s;
    if (u[4] != '-' || u[7] != '-' || u[10] != 'T' || u[13] != ':' || u[16] != ':' || u[n - 1] != 'Z')
        return 0;
    unsigned d[14], bad = 0;
    for (int k = 0; k < 14; k++) {
        d[k] = (unsigned)u[AT[k]] - '0';
        bad |= d[k] > 9;
    }
    if (bad) return 0;
    int64_t micros = 0;
    if (n > 20) {
        if (s[19] != '.') return 0;
        size_t digits = n - 21;
        for (size_t k = 0; k < 6; k++) {
            unsigned digit = k < digits ? (unsigned)u[20 + k] - '0' : 0;
            if (digit > 9) return 0;
            micros = micros * 10 + digit;
        }
    }
    int year = (int)(d[0] * 1000 + d[1] * 100 + d[2] * 10 + d[3]), month = (int)(d[4] * 10 + d[5]);
    int day = (int)(d[6] * 10 + d[7]), hour = (int)(d[8] * 10 + d[9]);
    int minute = (int)(d[10] * 10 + d[11]), second = (int)(d[12] * 10 + d[13]);
    static const int DAYS[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    /* Years in range of nanosecond timestamps by a wide margin; others go the SQL way. */
    if (year < 1900 || year > 2200 || month < 1 || month > 12 || day < 1 ||
        day > DAYS[month - 1] + (month == 2 && leap) || hour > 23 || minute > 59 || second > 59)
        return 0;
    int64_t seconds = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
    *out = (seconds * 1000000 + micros) * 1000;
    return 1;
}

/* An optional tail field 'KEY value' ending at a tab or the end; advances *at past it. */
static inline __attribute__((always_inline)) int tail_field(const char *s, size_t n, size_t *at, const char *key, const char **value,
                      size_t *len) {
    size_t k = strlen(key);
    if (n - *at < k || memcmp(s + *at, key, k) != 0) return 0;
    const char *start = s + *at + k;
    const char *tab = memchr(start, '\t', (size_t)(s + n - start));
    const char *end = tab ? tab : s + n;
    *value = start;
    *len = (size_t)(end - start);
    *at = (size_t)(end - s) + (tab ? 1 : 0);
    return 1;
}

static const char MARKER[] = "REPORT RequestId:"; /* advisor.logs.report.MARKER */
#define MARKER_LEN (sizeof MARKER - 1)
/* Where Lambda's own lines put it: after a millisecond stamp and a blank, or first. */
#define STAMPED_AT 25

/* Where MARKER first occurs in the line, or -1. A line with it after a stamp of Lambda's
 * shape is checked there first, which is the first occurrence whenever the stamp is valid
 * (a stamp cannot contain it), and parse_report refuses an invalid stamp either way. */
static ptrdiff_t find_marker(const char *s, size_t n) {
    if (n >= STAMPED_AT + MARKER_LEN && memcmp(s + STAMPED_AT, MARKER, MARKER_LEN) == 0)
        return STAMPED_AT;
    const char *at = memmem(s, n, MARKER, MARKER_LEN);
    return at ? at - s : -1;
}

/* The length of the run of s[0..n) up to its first tab (n when none); *bad: a character
 * before it is not a request id's ([0-9A-Za-z._-]); *has_x: an 'X' is. */
static inline size_t id_run(const char *s, size_t n, int *bad, int *has_x) {
    unsigned wrong = 0, x = 0;
    size_t i = 0;
#if defined(__SSE2__)
    for (; i + 16 <= n; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(s + i));
        __m128i lower = _mm_or_si128(v, _mm_set1_epi8(0x20)); /* bytes >= 0x80 stay negative */
        __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)),
                                      _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1)));
        __m128i alpha = _mm_and_si128(_mm_cmpgt_epi8(lower, _mm_set1_epi8('a' - 1)),
                                      _mm_cmplt_epi8(lower, _mm_set1_epi8('z' + 1)));
        __m128i mark = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('.')),
                                    _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('_')),
                                                 _mm_cmpeq_epi8(v, _mm_set1_epi8('-'))));
        unsigned valid = (unsigned)_mm_movemask_epi8(_mm_or_si128(digit, _mm_or_si128(alpha, mark)));
        unsigned xs = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('X')));
        unsigned tab = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('\t')));
        unsigned before = tab ? (1u << __builtin_ctz(tab)) - 1 : 0xFFFFu;
        wrong |= ~valid & before;
        x |= xs & before;
        if (tab) {
            *bad = wrong != 0;
            *has_x = x != 0;
            return i + (size_t)__builtin_ctz(tab);
        }
    }
#endif
    for (; i < n && s[i] != '\t'; i++) {
        wrong |= !is_id_char((unsigned char)s[i]);
        x |= s[i] == 'X';
    }
    *bad = wrong != 0;
    *has_x = x != 0;
    return i;
}

/* The field 'KEY <number> UNIT' at `at` (its number decimal when `real`, else whole): where
 * it ends, at a tab or the end of the line; NULL when it is not of that shape. */
static inline __attribute__((always_inline)) const char *number_field(
    const char *at, const char *end, const char *key, const char *unit, double *real, int64_t *whole) {
    size_t k = strlen(key);
    if ((size_t)(end - at) < k || memcmp(at, key, k) != 0) return NULL;
    const char *value = at + k, *q = value;
    while (q < end && (is_digit((unsigned char)*q) || (real != NULL && *q == '.'))) q++;
    if (real != NULL ? !parse_decimal(value, (size_t)(q - value), real)
                     : !parse_digits(value, (size_t)(q - value), whole))
        return NULL;
    if (end - q < 3 || memcmp(q, unit, 3) != 0) return NULL;
    q += 3;
    return q == end || *q == '\t' ? q : NULL;
}

/* fast.CANONICAL_TERMS: the line, whose first MARKER is at pos, is a REPORT line in Lambda's
 * layout (or 0). */
static int parse_report(const char *s, size_t n, size_t pos, Record *r) {
    static const char REPORT[] = "REPORT RequestId: ";
    /* fast.py's pos is where 'REPORT RequestId: ' starts; any but the first MARKER fails. */
    if (pos + sizeof REPORT - 1 > n || s[pos + MARKER_LEN] != ' ') return 0;
    r->has_end = 0;
    if (pos > 0) {
        if (s[pos - 1] != ' ' || !parse_stamp(s, pos - 1, &r->end_ns)) return 0;
        r->has_end = 1;
    }
    /* Read in one pass: the request id up to its tab, four fixed fields, then the tail. */
    const char *end = s + n, *rid = s + pos + sizeof REPORT - 1;
    int bad, has_x;
    size_t rid_len = id_run(rid, (size_t)(end - rid), &bad, &has_x);
    const char *at = rid + rid_len;
    if (at == end || rid_len == 0 || rid_len > UINT32_MAX || bad) return 0;
    /* The exact parser ends a REPORT at "XRAY" wherever it stands (fast.CANONICAL_TERMS). */
    if (has_x && memmem(rid, rid_len, "XRAY", 4) != NULL) return 0;
    r->rid = rid;
    r->rid_len = (uint32_t)rid_len;
    if (!(at = number_field(at + 1, end, "Duration: ", " ms", &r->duration, NULL)) || at == end ||
        !(at = number_field(at + 1, end, "Billed Duration: ", " ms", NULL, &r->billed)) || at == end ||
        !(at = number_field(at + 1, end, "Memory Size: ", " MB", NULL, &r->memory)) || at == end ||
        !(at = number_field(at + 1, end, "Max Memory Used: ", " MB", NULL, &r->used)))
        return 0;
    r->has_init = 0;
    r->status = S_NONE;
    r->error = NULL;
    r->error_len = 0;
    if (at != end) { /* a tab after Max Memory Used: optional fields, in Lambda's order */
        size_t i = (size_t)(at + 1 - s), len;
        const char *value;
        if (tail_field(s, n, &i, "Init Duration: ", &value, &len)) {
            size_t number;
            const char *ms = field_value(value, len, "", " ms", &number);
            if (ms == NULL || !parse_decimal(ms, number, &r->init)) return 0;
            r->has_init = 1;
        }
        if (tail_field(s, n, &i, "Status: ", &value, &len)) {
            r->status = len == 7 && memcmp(value, "success", 7) == 0   ? S_SUCCESS
                        : len == 7 && memcmp(value, "timeout", 7) == 0 ? S_TIMEOUT
                        : len == 5 && memcmp(value, "error", 5) == 0   ? S_ERROR
                                                                        : S_NONE;
            if (r->status == S_NONE) return 0;
        }
        if (tail_field(s, n, &i, "Error Type: ", &value, &len)) {
            if (len == 0 || len > UINT32_MAX) return 0;
            for (size_t k = 0; k < len; k++)
                if (!is_error_char((unsigned char)value[k])) return 0;
            if (memmem(value, len, "XRAY", 4) != NULL) return 0;
            r->error = value;
            r->error_len = (uint32_t)len;
        }
        /* Anything left over is not Lambda's layout. */
        if (i != n) return 0;
    }
    return elapsed_ns(r);
}

static uint64_t hash_id(const char *s, size_t n) {
    uint64_t h = 0x9E3779B97F4A7C15ull ^ n;
    while (n >= 8) {
        uint64_t word;
        memcpy(&word, s, 8);
        h = (h ^ word) * 0xBF58476D1CE4E5B9ull;
        h ^= h >> 31;
        s += 8;
        n -= 8;
    }
    uint64_t word = 0;
    memcpy(&word, s, n);
    h = (h ^ word) * 0x94D049BB133111EBull;
    return h ^ (h >> 29);
}

/* ---- store order: end time (missing last), then request id, as DuckDB's ORDER BY ---- */
static inline int compare_ids(const Record *a, const Record *b) {
    uint32_t n = a->rid_len < b->rid_len ? a->rid_len : b->rid_len;
    int c = memcmp(a->rid, b->rid, n);
    if (c != 0) return c;
    return (a->rid_len > b->rid_len) - (a->rid_len < b->rid_len);
}

static inline int compare_rows(const Record *a, const Record *b) {
    if (a->has_end != b->has_end) return a->has_end ? -1 : 1;
    if (a->has_end && a->end_ns != b->end_ns) return a->end_ns < b->end_ns ? -1 : 1;
    return compare_ids(a, b);
}

/* ---- parsing: one thread's share of a window ---- */
typedef struct {
    const char *begin, *end; /* whole lines */
    uint32_t window;
    int store_order;
    Record *rows; /* reused from window to window */
    size_t count, cap;
    uint32_t *order; /* store_order: the timed rows, in store order */
    size_t timed, order_cap;
    size_t untimed; /* rows without a time */
    int sorted;      /* the timed rows came in store order */
    int64_t lowest;  /* the earliest end time */
    uint64_t *hashes; /* of the rows' request ids */
    size_t hashes_cap;
    int all_equal, any_emulator; /* Max Memory Used = Memory Size always; 3008 MB seen */
    int64_t lines;
    int64_t error_line; /* in this part, from 1; 0 when none */
    const char *why;
    int out_of_memory;
} Part;

/* Why a line is not for this parser (NULL: it is; *is_record says whether it is a record). */
static const char *parse_line(const char *line, size_t n, unsigned flags, Record *record,
                              int *is_record) {
    *is_record = 0;
    if (n > MAX_LINE_BYTES) return "is longer than DuckDB's line limit";
    if (flags & F_BAD) return "holds a carriage return, NUL or unit separator";
    if ((flags & F_HIGH) && !valid_utf8((const unsigned char *)line, n)) return "is not UTF-8";
    if (needs_exact(line, n, flags)) return "needs the exact parser";
    ptrdiff_t marker = (flags & F_P) ? find_marker(line, n) : -1;
    if (marker < 0) return NULL;
    if (!parse_report(line, n, (size_t)marker, record)) return "is not a canonical REPORT line";
    *is_record = 1;
    return NULL;
}

static int grow(void **items, size_t *cap, size_t need, size_t size) {
    if (need <= *cap) return 0;
    size_t wanted = *cap ? *cap : 1024;
    while (wanted < need) wanted *= 2;
    void *grown = realloc(*items, wanted * size);
    if (grown == NULL) return -1;
    *items = grown;
    *cap = wanted;
    return 0;
}

/* Note the part's next record (rows[count]) for ordering: its index if it has a time (and
 * whether it came in order), else that it has none. -1: out of memory. */
static inline int note_order(Part *part, const Record *record) {
    if (!record->has_end) {
        part->untimed++;
        return 0;
    }
    if (part->timed == part->order_cap &&
        grow((void **)&part->order, &part->order_cap, part->timed + 1, sizeof *part->order) != 0)
        return -1;
    if (part->timed > 0 && compare_rows(&part->rows[part->order[part->timed - 1]], record) > 0)
        part->sorted = 0;
    if (record->end_ns < part->lowest) part->lowest = record->end_ns;
    part->order[part->timed++] = (uint32_t)part->count;
    return 0;
}

static void parse_part(Part *part) {
    const char *at = part->begin, *fetched = part->begin;
    part->count = 0;
    part->lines = 0;
    part->all_equal = 1;
    part->any_emulator = 0;
    part->timed = part->untimed = 0;
    part->sorted = 1;
    part->lowest = INT64_MAX;
    while (at < part->end) {
        /* Ask for the file's bytes a little ahead of the line scan (they come from memory). */
        if (at >= fetched) {
            for (const char *p = at + 1024; p < at + 2048 && p < part->end; p += 64)
                __builtin_prefetch(p);
            fetched = at + 1024;
        }
        unsigned flags;
        size_t n = scan_line((const unsigned char *)at, (size_t)(part->end - at), &flags);
        const char *line = at;
        at += n + (at + n < part->end ? 1 : 0);
        part->lines++;
        if (part->count == part->cap &&
            grow((void **)&part->rows, &part->cap, part->count + 1, sizeof *part->rows) != 0) {
            part->out_of_memory = 1;
            return;
        }
        Record *record = &part->rows[part->count];
        int is_record;
        const char *why = parse_line(line, n, flags, record, &is_record);
        if (why != NULL) {
            part->why = why;
            part->error_line = part->lines;
            return;
        }
        if (is_record) {
            /* While the line is in the cache: its request id's hash, its emulator signs. */
            if (part->count == part->hashes_cap &&
                grow((void **)&part->hashes, &part->hashes_cap, part->count + 1, sizeof *part->hashes) != 0) {
                part->out_of_memory = 1;
                return;
            }
            part->hashes[part->count] = hash_id(record->rid, record->rid_len);
            part->all_equal &= record->used == record->memory;
            part->any_emulator |= record->memory == EMULATOR_MEMORY_MB;
            record->window = part->window;
            if (part->store_order && note_order(part, record) != 0) {
                part->out_of_memory = 1;
                return;
            }
            part->count++;
        }
    }
}

typedef struct {
    uint64_t key;
    uint32_t index;
} SortItem;

static const Record *SORT_ROWS; /* qsort has no context argument: set under SORT_LOCK */
static pthread_mutex_t SORT_LOCK = PTHREAD_MUTEX_INITIALIZER;

static int compare_indices(const void *pa, const void *pb) {
    return compare_ids(&SORT_ROWS[*(const uint32_t *)pa], &SORT_ROWS[*(const uint32_t *)pb]);
}

/* Sort runs of equal end times in order[0..n) by request id (ties are rare). */
static void sort_ties(const Record *rows, uint32_t *order, size_t n) {
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && rows[order[j]].end_ns == rows[order[i]].end_ns) j++;
        if (j - i > 1) {
            pthread_mutex_lock(&SORT_LOCK);
            SORT_ROWS = rows;
            qsort(order + i, j - i, sizeof *order, compare_indices);
            pthread_mutex_unlock(&SORT_LOCK);
        }
        i = j;
    }
}

/* Logs are mostly in time order, but for a few records (a cold start ends late, streams
 * interleave): an insertion sort of order[0..n), given up (0) after a few moves a record. */
static int nearly_sorted(const Record *rows, uint32_t *order, size_t n) {
    size_t budget = 4 * n + 4096;
    for (size_t i = 1; i < n; i++) {
        uint32_t index = order[i];
        const Record *r = &rows[index];
        size_t j = i;
        while (j > 0 && compare_rows(&rows[order[j - 1]], r) > 0 && budget > 0) {
            order[j] = order[j - 1];
            j--;
            budget--;
        }
        order[j] = index; /* order stays a permutation, even when given up */
        if (budget == 0) return 0;
    }
    return 1;
}

/* The part's timed rows in store order (part->order[0..timed)): a radix sort of their end
 * times (11 bits a pass, as many passes as the spread needs), then ties by request id. */
static int order_part(Part *part) {
    size_t n = part->timed;
    const Record *rows = part->rows;
    if (part->sorted || nearly_sorted(rows, part->order, n)) return 0;
    SortItem *items = malloc(2 * n * sizeof *items);
    if (items == NULL) return -1;
    uint64_t highest = 0;
    for (size_t k = 0; k < n; k++) {
        uint32_t i = part->order[k];
        items[k] = (SortItem){(uint64_t)(rows[i].end_ns - part->lowest), i};
        if (items[k].key > highest) highest = items[k].key;
    }
    int bits = highest ? 64 - __builtin_clzll(highest) : 0;
    SortItem *from = items, *to = items + n;
    for (int shift = 0; shift < bits; shift += 11) {
        size_t counts[2048] = {0};
        for (size_t i = 0; i < n; i++) counts[(from[i].key >> shift) & 2047]++;
        size_t sum = 0;
        for (size_t d = 0; d < 2048; d++) {
            size_t c = counts[d];
            counts[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++) to[counts[(from[i].key >> shift) & 2047]++] = from[i];
        SortItem *swap = from;
        from = to;
        to = swap;
    }
    for (size_t i = 0; i < n; i++) part->order[i] = from[i].index;
    free(items);
    sort_ties(rows, part->order, n);
    return 0;
}

static void *part_worker(void *arg) {
    Part *part = arg;
    parse_part(part);
    if (part->error_line == 0 && !part->out_of_memory && part->store_order)
        part->out_of_memory = order_part(part) != 0;
    return NULL;
}

/* ---- Arrow batches ---- */

/* Growable bytes, for the strings of one batch. */
typedef struct {
    char *data;
    size_t len, cap;
} Chars;

static inline int chars_append(Chars *c, const char *s, size_t n) {
    if (c->len + n > c->cap && grow((void **)&c->data, &c->cap, c->len + n, 1) != 0) return -1;
    memcpy(c->data + c->len, s, n);
    c->len += n;
    return 0;
}

/* One batch being filled, column by column buffers (Arrow's layout). */
typedef struct {
    size_t n, cap;
    int64_t *ints[N_COLUMNS];
    double *reals[N_COLUMNS];
    int32_t *offsets[N_COLUMNS];
    int8_t *codes; /* the status column's */
    Chars chars[N_COLUMNS];
    uint8_t *validity[N_COLUMNS];
    int64_t nulls[N_COLUMNS];
} Builder;

static void builder_free(Builder *b) {
    free(b->codes);
    for (int k = 0; k < N_COLUMNS; k++) {
        free(b->ints[k]);
        free(b->reals[k]);
        free(b->offsets[k]);
        free(b->chars[k].data);
        free(b->validity[k]);
    }
    memset(b, 0, sizeof *b);
}

/* Batches' buffers given back by DuckDB, for the next batches (a few, of one size): fresh
 * memory costs page faults. Shared by a run and its batches, freed with the last of them. */
#define POOL_SIZE 2
typedef struct {
    int refs; /* atomic */
    pthread_mutex_t lock;
    Builder spare[POOL_SIZE];
    int count;
} Pool;

static Pool *pool_new(void) {
    Pool *pool = calloc(1, sizeof *pool);
    if (pool != NULL) {
        pool->refs = 1;
        pthread_mutex_init(&pool->lock, NULL);
    }
    return pool;
}

static void pool_release(Pool *pool) {
    if (pool == NULL || __atomic_sub_fetch(&pool->refs, 1, __ATOMIC_ACQ_REL) != 0) return;
    for (int k = 0; k < pool->count; k++) builder_free(&pool->spare[k]);
    pthread_mutex_destroy(&pool->lock);
    free(pool);
}

/* Buffers for a builder of `rows` rows from the pool (1), or none there (0). */
static int pool_take(Pool *pool, Builder *b, size_t rows) {
    if (pool == NULL) return 0;
    pthread_mutex_lock(&pool->lock);
    int found = 0;
    while (!found && pool->count > 0) {
        Builder spare = pool->spare[--pool->count];
        if (spare.cap == rows) {
            *b = spare;
            found = 1;
        } else {
            builder_free(&spare);
        }
    }
    pthread_mutex_unlock(&pool->lock);
    return found;
}

static void pool_give(Pool *pool, Builder *b) {
    int kept = 0;
    if (pool != NULL) {
        pthread_mutex_lock(&pool->lock);
        if (pool->count < POOL_SIZE) {
            pool->spare[pool->count++] = *b;
            kept = 1;
        }
        pthread_mutex_unlock(&pool->lock);
    }
    if (!kept) builder_free(b);
}

/* An empty builder of `rows` rows, on buffers from the pool if it has some. -1: out of memory. */
static int builder_init(Builder *b, size_t rows, Pool *pool) {
    if (pool_take(pool, b, rows)) {
        size_t bits = rows / 8 + 1;
        b->n = 0;
        for (int k = 0; k < N_COLUMNS; k++) {
            b->nulls[k] = 0;
            b->chars[k].len = 0;
            if (b->offsets[k] != NULL) b->offsets[k][0] = 0;
            if (b->validity[k] != NULL) memset(b->validity[k], 0, bits);
        }
        return 0;
    }
    memset(b, 0, sizeof *b);
    b->cap = rows;
    size_t bits = rows / 8 + 1;
    int failed = 0;
    for (int k = 0; k < N_COLUMNS; k++) {
        char format = COLUMN_FORMATS[k][0];
        if (format == 'u') {
            failed |= (b->offsets[k] = malloc((rows + 1) * sizeof(int32_t))) == NULL;
            if (b->offsets[k] != NULL) b->offsets[k][0] = 0;
        } else if (format == 'g') {
            failed |= (b->reals[k] = malloc(rows * sizeof(double))) == NULL;
        } else if (format == 'c') {
            failed |= (b->codes = malloc(rows)) == NULL;
        } else {
            failed |= (b->ints[k] = malloc(rows * sizeof(int64_t))) == NULL;
        }
        if (k == C_START || k == C_END || k == C_INIT || k == C_ERROR)
            failed |= (b->validity[k] = calloc(bits, 1)) == NULL;
    }
    /* Request ids are mostly UUIDs: room for them up front (and for copying in blocks). */
    failed |= grow((void **)&b->chars[C_RID].data, &b->chars[C_RID].cap, rows * 36 + COPY_BLOCK, 1) != 0;
    if (failed) builder_free(b);
    return failed ? -1 : 0;
}

static inline void set_valid(uint8_t *bits, size_t i) { bits[i / 8] |= (uint8_t)(1u << (i % 8)); }

/* A request id: mostly 36 bytes, copied in fixed blocks (the line goes on after it, and
 * copies made to outlive their window are padded, so reading past it is safe). */
static inline int put_id(Builder *b, size_t i, const char *s, size_t len) {
    Chars *c = &b->chars[C_RID];
    if (c->len + len + COPY_BLOCK > c->cap &&
        grow((void **)&c->data, &c->cap, c->len + len + COPY_BLOCK, 1) != 0)
        return -1;
    if (len <= COPY_BLOCK) {
        memcpy(c->data + c->len, s, 32);
        memcpy(c->data + c->len + 32, s + 32, COPY_BLOCK - 32);
    } else {
        memcpy(c->data + c->len, s, len);
    }
    c->len += len;
    if (c->len > INT32_MAX) return -1;
    b->offsets[C_RID][i + 1] = (int32_t)c->len;
    return 0;
}

static inline int put_string(Builder *b, int k, size_t i, const char *s, size_t len, int valid) {
    if (valid) {
        if (chars_append(&b->chars[k], s, len) != 0 || b->chars[k].len > INT32_MAX) return -1;
        if (b->validity[k] != NULL) set_valid(b->validity[k], i);
    } else {
        b->nulls[k]++;
    }
    b->offsets[k][i + 1] = (int32_t)b->chars[k].len;
    return 0;
}

/* Append one record (its final column values). -1: out of memory. */
static int builder_add(Builder *b, const Record *r) {
    size_t i = b->n;
    /* Without a Status field: a timeout when billing stopped before the duration (before
     * Lambda logged Status, a timeout showed only so), else a success (as fast._records). */
    int status = r->status != S_NONE ? r->status
                 : (double)r->billed < r->duration ? S_TIMEOUT : S_SUCCESS;
    if (put_id(b, i, r->rid, r->rid_len) != 0 ||
        put_string(b, C_ERROR, i, r->error, r->error_len, r->error != NULL) != 0)
        return -1;
    b->codes[i] = (int8_t)(status - S_SUCCESS);
    if (r->has_end) {
        b->ints[C_END][i] = r->end_ns;
        b->ints[C_START][i] = r->end_ns - r->elapsed_ns;
        set_valid(b->validity[C_END], i);
        set_valid(b->validity[C_START], i);
    } else {
        b->ints[C_END][i] = b->ints[C_START][i] = 0;
        b->nulls[C_END]++;
        b->nulls[C_START]++;
    }
    b->reals[C_DUR][i] = r->duration;
    b->ints[C_BILLED][i] = r->billed;
    b->ints[C_MEM][i] = r->memory;
    b->ints[C_USED][i] = r->used;
    b->reals[C_INIT][i] = r->has_init ? r->init : 0.0;
    if (r->has_init) set_valid(b->validity[C_INIT], i);
    else b->nulls[C_INIT]++;
    b->n++;
    return 0;
}

/* The private data of one exported child array: its buffers' addresses (the parent owns
 * them) and, for the status column, its dictionary, whose buffers are static. */
typedef struct {
    const void *buffers[3];
    struct ArrowArray dictionary;
    const void *dictionary_buffers[3];
} ChildData;

static void static_release(struct ArrowArray *array) { array->release = NULL; }

static void child_release(struct ArrowArray *array) {
    free(array->private_data);
    array->release = NULL;
}

/* A batch: its children, and the buffers they point into, which go back to the pool. */
typedef struct {
    struct ArrowArray *children[N_COLUMNS];
    struct ArrowArray storage[N_COLUMNS];
    const void *buffers[1];
    Builder buffers_of; /* every buffer, for the pool */
    Pool *pool;
} ParentData;

static void parent_release(struct ArrowArray *array) {
    ParentData *data = array->private_data;
    for (int k = 0; k < N_COLUMNS; k++)
        if (data->storage[k].release != NULL) data->storage[k].release(&data->storage[k]);
    pool_give(data->pool, &data->buffers_of);
    pool_release(data->pool);
    free(data);
    array->release = NULL;
}

/* The builder's rows as an Arrow struct array (the buffers move into it, and from it to
 * `pool`; the builder is left empty). -1: out of memory (the builder is freed). */
static int builder_finish(Builder *b, struct ArrowArray *out, size_t *bytes, Pool *pool) {
    ParentData *parent = calloc(1, sizeof *parent);
    ChildData *data[N_COLUMNS] = {0};
    int failed = parent == NULL;
    for (int k = 0; k < N_COLUMNS && !failed; k++) failed = (data[k] = calloc(1, sizeof **data)) == NULL;
    if (failed) {
        for (int k = 0; k < N_COLUMNS; k++) free(data[k]);
        free(parent);
        builder_free(b);
        return -1;
    }
    int64_t n = (int64_t)b->n;
    *bytes = 0;
    for (int k = 0; k < N_COLUMNS; k++) {
        char format = COLUMN_FORMATS[k][0];
        void *validity = b->nulls[k] ? b->validity[k] : NULL;
        void *values = format == 'u'   ? (void *)b->offsets[k]
                       : format == 'g' ? (void *)b->reals[k]
                       : format == 'c' ? (void *)b->codes
                                       : (void *)b->ints[k];
        void *chars = format == 'u' ? b->chars[k].data : NULL;
        data[k]->buffers[0] = validity;
        data[k]->buffers[1] = values;
        /* An empty string column still needs its (empty) data buffer. */
        data[k]->buffers[2] = chars != NULL ? chars : (const void *)"";
        *bytes += (size_t)n * 8 + (format == 'u' ? b->chars[k].cap : 0);
        parent->storage[k] = (struct ArrowArray){.length = n,
                                                 .null_count = b->nulls[k],
                                                 .n_buffers = format == 'u' ? 3 : 2,
                                                 .buffers = data[k]->buffers,
                                                 .release = child_release,
                                                 .private_data = data[k]};
        if (format == 'c') {
            data[k]->dictionary_buffers[1] = STATUS_OFFSETS;
            data[k]->dictionary_buffers[2] = STATUS_VALUES;
            data[k]->dictionary = (struct ArrowArray){.length = 3,
                                                      .n_buffers = 3,
                                                      .buffers = data[k]->dictionary_buffers,
                                                      .release = static_release};
            parent->storage[k].dictionary = &data[k]->dictionary;
        }
        parent->children[k] = &parent->storage[k];
    }
    parent->buffers_of = *b;
    parent->pool = pool;
    if (pool != NULL) __atomic_add_fetch(&pool->refs, 1, __ATOMIC_ACQ_REL);
    *out = (struct ArrowArray){.length = n,
                               .n_buffers = 1,
                               .n_children = N_COLUMNS,
                               .buffers = parent->buffers,
                               .children = parent->children,
                               .release = parent_release,
                               .private_data = parent};
    memset(b, 0, sizeof *b); /* the buffers are the array's now */
    return 0;
}

/* ---- a run: the producer thread, its queue of batches, and what it found ---- */
typedef struct Queued {
    struct ArrowArray array;
    size_t bytes;
    size_t through; /* about how far into the file this batch and the earlier ones reach */
    struct Queued *next;
} Queued;

/* Blocks of copied bytes (request ids and error types of records held to the end). */
typedef struct Block {
    struct Block *next;
    size_t used, cap;
    char data[];
} Block;

enum { FAIL_NONE, FAIL_LINE, FAIL_ORDER, FAIL_MEMORY, FAIL_READ };

typedef struct {
    int refs; /* atomic: the Python object and each stream */
    /* the input and settings */
    const char *data; /* the mapping (NULL for an empty file) */
    size_t size, page;
    int threads, store_order;
    size_t batch_rows, window_bytes, queue_bytes;
    /* the producer's own state */
    pthread_t producer;
    int started, joined;
    Part parts[3][MAX_THREADS]; /* see parts_of */
    size_t *window_starts; /* where each window begins */
    size_t n_windows, windows_cap;
    /* Timed records held back for ordering, in store order: in the last two windows' parts,
     * or (older ones) copied into `kept`. */
    const Record **held, **next_held;
    size_t held_count, held_cap, next_held_cap;
    Record *kept, *next_kept;
    size_t kept_count, kept_cap, next_kept_cap;
    Record *untimed; /* records without a time, held to the end */
    size_t untimed_count, untimed_cap;
    Block *blocks;
    uint64_t *hashes; /* of every request id, up to MAX_TRACKED_IDS */
    size_t hash_count, hash_cap;
    int hashes_dropped;
    int64_t last_end; /* the last end time handed over (store order) */
    int handed_any;
    size_t released; /* the mapping's bytes given back to the kernel */
    Builder builder;
    Pool *pool; /* the buffers of batches DuckDB has read */
    size_t handed;  /* records handed to batches */
    size_t through; /* about how far into the file the handed records reach (bytes) */
    /* found (read once done) */
    int64_t lines;
    size_t records;
    int all_equal, any_emulator;
    int duplicates; /* 0 no, 1 yes (a repeated hash), -1 unknown (too many ids tracked) */
    int failure;
    char why[200];
    /* progress (atomic) */
    size_t parsed_bytes, exported_bytes;
    /* the queue */
    pthread_mutex_t lock;
    pthread_cond_t changed;
    Queued *head, *tail;
    size_t queued_bytes;
    int done, cancelled, reading;
    int ended; /* every record is in the queue (what the parse found may still be computed) */
} Run;

static const char OUT_OF_MEMORY[] = "could not be parsed: out of memory";
/* The suffix of every failure for records too far out of store order. */
#define OUT_OF_ORDER "out of store order"

/* Note why the run failed (the first reason counts). */
static void fail(Run *run, int kind, const char *why) {
    if (run->failure != FAIL_NONE) return;
    run->failure = kind;
    snprintf(run->why, sizeof run->why, "%s", why);
}

/* A flag of the run, read under its lock. */
static int run_flag(Run *run, const int *flag) {
    pthread_mutex_lock(&run->lock);
    int value = *flag;
    pthread_mutex_unlock(&run->lock);
    return value;
}

/* Claim the run's records for one reader (0), or -1 when another has claimed them. */
static int claim_reader(Run *run) {
    pthread_mutex_lock(&run->lock);
    int taken = run->reading;
    run->reading = 1;
    pthread_mutex_unlock(&run->lock);
    return taken ? -1 : 0;
}

/* Hand a finished batch to the queue, waiting while it is full. -1: cancelled. */
static int enqueue(Run *run, struct ArrowArray *array, size_t bytes) {
    Queued *item = malloc(sizeof *item);
    if (item == NULL) {
        array->release(array);
        fail(run, FAIL_MEMORY, OUT_OF_MEMORY);
        return -1;
    }
    /* The share of the records parsed so far that has been handed over, of the bytes parsed
     * so far (never back: the bar it draws only grows). */
    size_t parsed = __atomic_load_n(&run->parsed_bytes, __ATOMIC_RELAXED);
    size_t through = run->records ? (size_t)((double)parsed * (double)run->handed / (double)run->records)
                                  : parsed;
    if (through > run->through) run->through = through;
    *item = (Queued){*array, bytes, run->through, NULL};
    pthread_mutex_lock(&run->lock);
    while (!run->cancelled && run->head != NULL && run->queued_bytes + bytes > run->queue_bytes)
        pthread_cond_wait(&run->changed, &run->lock);
    int cancelled = run->cancelled;
    if (!cancelled) {
        if (run->tail != NULL) run->tail->next = item;
        else run->head = item;
        run->tail = item;
        run->queued_bytes += bytes;
        pthread_cond_broadcast(&run->changed);
    }
    pthread_mutex_unlock(&run->lock);
    if (cancelled) {
        item->array.release(&item->array);
        free(item);
        return -1;
    }
    return 0;
}

/* Queue the batch being built (if it holds rows). -1: cancelled or out of memory. */
static int flush_batch(Run *run) {
    if (run->builder.n == 0) return 0;
    struct ArrowArray array;
    size_t bytes;
    if (builder_finish(&run->builder, &array, &bytes, run->pool) != 0) {
        fail(run, FAIL_MEMORY, OUT_OF_MEMORY);
        return -1;
    }
    return enqueue(run, &array, bytes);
}

/* Hand one record over (into the batch being built). -1: cancelled or out of memory. */
static int hand_over(Run *run, const Record *r) {
    if (run->builder.cap == 0 && builder_init(&run->builder, run->batch_rows, run->pool) != 0) {
        fail(run, FAIL_MEMORY, OUT_OF_MEMORY);
        return -1;
    }
    if (builder_add(&run->builder, r) != 0) {
        builder_free(&run->builder);
        fail(run, FAIL_MEMORY, OUT_OF_MEMORY);
        return -1;
    }
    run->handed++;
    if (r->has_end) {
        run->last_end = r->end_ns;
        run->handed_any = 1;
    }
    return run->builder.n == run->builder.cap ? flush_batch(run) : 0;
}

/* A copy of s[0..n) that lives as long as the run. */
static const char *keep_bytes(Run *run, const char *s, size_t n) {
    if (run->blocks == NULL || run->blocks->cap - run->blocks->used < n + COPY_BLOCK) {
        size_t cap = n + COPY_BLOCK > (1u << 20) ? n + COPY_BLOCK : (1u << 20);
        Block *block = malloc(sizeof *block + cap);
        if (block == NULL) return NULL;
        *block = (Block){run->blocks, 0, cap};
        run->blocks = block;
    }
    char *copy = run->blocks->data + run->blocks->used;
    memcpy(copy, s, n);
    run->blocks->used += n;
    return copy;
}

/* Hold a record without a time to the end (with copies of its strings). -1: too many. */
static int hold_untimed(Run *run, const Record *r) {
    if (run->untimed_count == MAX_UNTIMED) {
        fail(run, FAIL_ORDER, "more records without a time than can be held: " OUT_OF_ORDER);
        return -1;
    }
    if (grow((void **)&run->untimed, &run->untimed_cap, run->untimed_count + 1, sizeof *r) != 0) {
        fail(run, FAIL_MEMORY, OUT_OF_MEMORY);
        return -1;
    }
    Record copy = *r;
    copy.rid = keep_bytes(run, r->rid, r->rid_len);
    if (r->error != NULL) copy.error = keep_bytes(run, r->error, r->error_len);
    if (copy.rid == NULL || (r->error != NULL && copy.error == NULL)) {
        fail(run, FAIL_MEMORY, OUT_OF_MEMORY);
        return -1;
    }
    run->untimed[run->untimed_count++] = copy;
    return 0;
}

/* Merge the held records and the window's parts (each in store order); hand over those
 * before the window's earliest record, hold the rest (*oldest: the earliest window a held
 * record comes from). -1: failed (see run->failure). */
static int merge_window(Run *run, Part *parts, int n_parts, uint32_t window, uint32_t *oldest) {
    /* The window's earliest timed record: nothing later in the file may come before it. */
    const Record *earliest = NULL;
    size_t incoming = 0;
    for (int k = 0; k < n_parts; k++) {
        Part *part = &parts[k];
        incoming += part->timed;
        if (part->timed && (earliest == NULL || compare_rows(&part->rows[part->order[0]], earliest) < 0))
            earliest = &part->rows[part->order[0]];
        for (size_t i = 0; i < part->count && part->untimed; i++)
            if (!part->rows[i].has_end && hold_untimed(run, &part->rows[i]) != 0) return -1;
    }
    char why[160];
    if (earliest != NULL && run->handed_any && earliest->end_ns <= run->last_end) {
        snprintf(why, sizeof why, "lines up to %lld: a record earlier than records a window back, "
                 OUT_OF_ORDER, (long long)run->lines);
        fail(run, FAIL_ORDER, why);
        return -1;
    }
    if (run->held_count + incoming > MAX_HELD) {
        snprintf(why, sizeof why, "lines up to %lld: too many records held back, " OUT_OF_ORDER,
                 (long long)run->lines);
        fail(run, FAIL_ORDER, why);
        return -1;
    }
    if (grow((void **)&run->next_held, &run->next_held_cap, run->held_count + incoming,
             sizeof *run->next_held) != 0) {
        fail(run, FAIL_MEMORY, OUT_OF_MEMORY);
        return -1;
    }
    size_t position[MAX_THREADS] = {0}, held = 0, holding = 0, older = 0;
    for (;;) {
        const Record *best = held < run->held_count ? run->held[held] : NULL;
        int from = -1;
        for (int k = 0; k < n_parts; k++) {
            if (position[k] == parts[k].timed) continue;
            const Record *candidate = &parts[k].rows[parts[k].order[position[k]]];
            if (best == NULL || compare_rows(candidate, best) < 0) {
                best = candidate;
                from = k;
            }
        }
        if (best == NULL) break;
        if (from < 0) held++;
        else position[from]++;
        if (earliest != NULL && best->end_ns < earliest->end_ns) {
            if (hand_over(run, best) != 0) return -1;
        } else {
            run->next_held[holding++] = best;
            older += best->window != window;
            if (best->window < *oldest) *oldest = best->window;
        }
    }
    /* Records of earlier windows still held move out of their parts (the next window parses
     * into the parts of the previous one) and out of `kept` (which is replaced). */
    if (grow((void **)&run->next_kept, &run->next_kept_cap, older ? older : 1, sizeof *run->next_kept) != 0) {
        fail(run, FAIL_MEMORY, OUT_OF_MEMORY);
        return -1;
    }
    size_t copied = 0;
    for (size_t i = 0; i < holding && copied < older; i++)
        if (run->next_held[i]->window != window) {
            run->next_kept[copied] = *run->next_held[i];
            run->next_held[i] = &run->next_kept[copied++];
        }
    const Record **swap_held = run->held;
    run->held = run->next_held;
    run->next_held = swap_held;
    size_t swap_cap = run->held_cap;
    run->held_cap = run->next_held_cap;
    run->next_held_cap = swap_cap;
    run->held_count = holding;
    Record *swap_kept = run->kept;
    run->kept = run->next_kept;
    run->next_kept = swap_kept;
    swap_cap = run->kept_cap;
    run->kept_cap = run->next_kept_cap;
    run->next_kept_cap = swap_cap;
    run->kept_count = copied;
    return 0;
}

/* Note the part's request id hashes and emulator signs. -1: out of memory. */
static int tally(Run *run, const Part *part) {
    run->all_equal &= part->all_equal;
    run->any_emulator |= part->any_emulator;
    if (run->hashes_dropped) return 0;
    if (run->hash_count + part->count > MAX_TRACKED_IDS) {
        run->hashes_dropped = 1; /* too many to keep: the caller checks the stored rows */
        free(run->hashes);
        run->hashes = NULL;
        return 0;
    }
    if (grow((void **)&run->hashes, &run->hash_cap, run->hash_count + part->count, sizeof *run->hashes) != 0)
        return -1;
    memcpy(run->hashes + run->hash_count, part->hashes, part->count * sizeof *part->hashes);
    run->hash_count += part->count;
    return 0;
}

/* Give the kernel back the mapping's pages before `keep` (no record points there any more). */
static void release_pages(Run *run, size_t keep) {
    size_t upto = keep / run->page * run->page;
    if (upto > run->released) {
        madvise((void *)(run->data + run->released), upto - run->released, MADV_DONTNEED);
        run->released = upto;
    }
}

/* One window being parsed by its parts' threads. */
typedef struct {
    uint32_t window;
    size_t end; /* where it ends in the file */
    int n_parts;
    pthread_t workers[MAX_THREADS];
    int started[MAX_THREADS];
} Parsing;

/* The parts of window `window` (three sets: one being parsed, one being handed over, and the
 * one before, whose held records the handing over still reads). */
static Part *parts_of(Run *run, uint32_t window) { return run->parts[window % 3]; }

/* Start parsing the window from `at` (whole lines, about window_bytes) in its parts' threads.
 * -1: failed (out of memory). */
static int start_window(Run *run, size_t at, Parsing *parsing) {
    size_t end = run->size - at <= run->window_bytes ? run->size : at + run->window_bytes;
    if (end < run->size) {
        const char *newline = memchr(run->data + end, '\n', run->size - end);
        end = newline ? (size_t)(newline - run->data) + 1 : run->size;
    }
    if (grow((void **)&run->window_starts, &run->windows_cap, run->n_windows + 1,
             sizeof *run->window_starts) != 0) {
        fail(run, FAIL_MEMORY, OUT_OF_MEMORY);
        return -1;
    }
    uint32_t window = (uint32_t)run->n_windows++;
    run->window_starts[window] = at;
    Part *parts = parts_of(run, window);
    int n_parts = run->threads;
    if ((end - at) / (size_t)n_parts < (1u << 20)) n_parts = 1; /* small: not worth a thread */
    const char *cursor = run->data + at, *stop = run->data + end;
    for (int k = 0; k < n_parts; k++) {
        const char *part_end = k == n_parts - 1 ? stop : run->data + at + (end - at) / n_parts * (k + 1);
        if (part_end < cursor) part_end = cursor;
        if (k < n_parts - 1 && part_end < stop) {
            const char *newline = memchr(part_end, '\n', (size_t)(stop - part_end));
            part_end = newline ? newline + 1 : stop;
        }
        Part *part = &parts[k];
        part->begin = cursor;
        part->end = part_end;
        part->window = window;
        part->store_order = run->store_order;
        part->error_line = 0;
        part->why = NULL;
        part->timed = 0;
        cursor = part_end;
    }
    *parsing = (Parsing){.window = window, .end = end, .n_parts = n_parts};
    for (int k = 0; k < n_parts; k++)
        parsing->started[k] = pthread_create(&parsing->workers[k], NULL, part_worker, &parts[k]) == 0;
    return 0;
}

/* Wait for the window's parts; note their lines, records, hashes. -1: failed (a line this
 * parser does not vouch for, or out of memory). */
static int join_window(Run *run, Parsing *parsing) {
    Part *parts = parts_of(run, parsing->window);
    for (int k = 0; k < parsing->n_parts; k++) {
        if (parsing->started[k]) pthread_join(parsing->workers[k], NULL);
        else part_worker(&parts[k]); /* no thread to be had: parse here */
    }
    for (int k = 0; k < parsing->n_parts; k++) {
        Part *part = &parts[k];
        if (part->error_line) {
            char why[160];
            snprintf(why, sizeof why, "line %lld %s", (long long)(run->lines + part->error_line),
                     part->why);
            fail(run, FAIL_LINE, why);
            return -1;
        }
        if (part->out_of_memory || tally(run, part) != 0) {
            fail(run, FAIL_MEMORY, OUT_OF_MEMORY);
            return -1;
        }
        run->lines += part->lines;
        run->records += part->count;
    }
    __atomic_store_n(&run->parsed_bytes, parsing->end, __ATOMIC_RELAXED);
    return 0;
}

/* Hand over what can go of the parsed window (all of it in file order), and give back the
 * pages no record held points into. -1: failed. */
static int hand_window(Run *run, const Parsing *parsing) {
    Part *parts = parts_of(run, parsing->window);
    size_t keep = parsing->end;
    if (run->store_order) {
        uint32_t oldest = parsing->window + 1;
        if (merge_window(run, parts, parsing->n_parts, parsing->window, &oldest) != 0) return -1;
        if (oldest <= parsing->window) keep = run->window_starts[oldest];
    } else {
        for (int k = 0; k < parsing->n_parts; k++)
            for (size_t i = 0; i < parts[k].count; i++)
                if (hand_over(run, &parts[k].rows[i]) != 0) return -1;
    }
    release_pages(run, keep);
    return 0;
}

static int compare_untimed(const void *a, const void *b) { return compare_ids(a, b); }

/* Whether two of the n hashes are equal. The hashes are spread evenly, so their top 11 bits
 * split them into 2048 buckets of cache size, each checked with a small hash set: two passes
 * over the array instead of a whole sort. -1: out of memory. */
#define BUCKET_BITS 11
static int repeated_hash(const uint64_t *values, size_t n) {
    size_t buckets = (size_t)1 << BUCKET_BITS;
    size_t *start = calloc(buckets + 1, sizeof *start);
    uint64_t *spread = malloc((n ? n : 1) * sizeof *spread);
    if (start == NULL || spread == NULL) {
        free(start);
        free(spread);
        return -1;
    }
    for (size_t i = 0; i < n; i++) start[(values[i] >> (64 - BUCKET_BITS)) + 1]++;
    for (size_t b = 0; b < buckets; b++) start[b + 1] += start[b];
    size_t *fill = malloc(buckets * sizeof *fill);
    uint64_t *set = NULL;
    size_t set_cap = 0;
    int found = fill == NULL ? -1 : 0;
    if (fill != NULL) {
        memcpy(fill, start, buckets * sizeof *fill);
        for (size_t i = 0; i < n; i++) spread[fill[values[i] >> (64 - BUCKET_BITS)]++] = values[i];
    }
    for (size_t b = 0; b < buckets && found == 0; b++) {
        size_t count = start[b + 1] - start[b], slots = 16;
        while (slots < 2 * count) slots *= 2;
        if (slots > set_cap) {
            free(set);
            set_cap = slots;
            if ((set = malloc(set_cap * sizeof *set)) == NULL) {
                found = -1;
                break;
            }
        }
        /* 0 marks an empty slot; a hash of 0 (as likely as any other) is told apart below. */
        memset(set, 0, slots * sizeof *set);
        int zero = 0;
        for (size_t i = start[b]; i < start[b + 1] && !found; i++) {
            uint64_t h = spread[i];
            if (h == 0) {
                found = zero;
                zero = 1;
                continue;
            }
            size_t slot = (size_t)(h ^ (h >> 29)) & (slots - 1);
            while (set[slot] != 0 && set[slot] != h) slot = (slot + 1) & (slots - 1);
            found = set[slot] == h;
            set[slot] = h;
        }
    }
    free(set);
    free(fill);
    free(spread);
    free(start);
    return found;
}

/* The end of the file: hand over what is held, then find repeated request ids. */
static int finish(Run *run) {
    for (size_t i = 0; i < run->held_count; i++)
        if (hand_over(run, run->held[i]) != 0) return -1;
    run->held_count = 0;
    qsort(run->untimed, run->untimed_count, sizeof *run->untimed, compare_untimed);
    for (size_t i = 0; i < run->untimed_count; i++)
        if (hand_over(run, &run->untimed[i]) != 0) return -1;
    if (flush_batch(run) != 0) return -1;
    /* Every record is handed over: the stream may end while repeated ids are looked for. */
    pthread_mutex_lock(&run->lock);
    run->ended = 1;
    pthread_cond_broadcast(&run->changed);
    pthread_mutex_unlock(&run->lock);
    if (run->hashes_dropped) {
        run->duplicates = -1;
    } else {
        run->duplicates = repeated_hash(run->hashes, run->hash_count);
        if (run->duplicates < 0) {
            fail(run, FAIL_MEMORY, OUT_OF_MEMORY);
            return -1;
        }
    }
    free(run->hashes);
    run->hashes = NULL;
    return 0;
}

/* The producer: each window is parsed while the one before is handed over. */
static void *produce(void *arg) {
    Run *run = arg;
    Parsing now, next;
    int failed = run->size > 0 && start_window(run, 0, &next) != 0;
    int parsing = run->size > 0 && !failed;
    while (parsing && !failed) {
        now = next;
        failed = join_window(run, &now) != 0;
        if (failed) break;
        parsing = now.end < run->size && !run_flag(run, &run->cancelled);
        if (parsing && start_window(run, now.end, &next) != 0) {
            failed = 1;
            break;
        }
        if (hand_window(run, &now) != 0) {
            failed = 1;
            if (parsing) join_window(run, &next); /* its threads end before the run is freed */
        }
    }
    if (!failed && !run_flag(run, &run->cancelled)) failed = finish(run) != 0;
    if (failed) builder_free(&run->builder);
    run->all_equal = run->all_equal && run->records > 0;
    release_pages(run, run->size);
    __atomic_store_n(&run->parsed_bytes, run->size, __ATOMIC_RELAXED);
    pthread_mutex_lock(&run->lock);
    run->done = 1;
    pthread_cond_broadcast(&run->changed);
    pthread_mutex_unlock(&run->lock);
    return NULL;
}

static int run_start(Run *run) {
    pthread_mutex_lock(&run->lock);
    int start = !run->started;
    run->started = 1;
    pthread_mutex_unlock(&run->lock);
    if (start && pthread_create(&run->producer, NULL, produce, run) != 0) {
        produce(run); /* no thread to be had: parse now (the queue must not fill up) */
        run->joined = 1;
        return -1;
    }
    return 0;
}

/* Stop the producer (it finishes its window first) and wait for it. */
static void run_stop(Run *run) {
    pthread_mutex_lock(&run->lock);
    run->cancelled = 1;
    pthread_cond_broadcast(&run->changed);
    int join = run->started && !run->joined;
    run->joined = 1;
    pthread_mutex_unlock(&run->lock);
    if (join) pthread_join(run->producer, NULL);
}

static void run_release(Run *run) {
    if (__atomic_sub_fetch(&run->refs, 1, __ATOMIC_ACQ_REL) != 0) return;
    run_stop(run);
    while (run->head != NULL) {
        Queued *item = run->head;
        run->head = item->next;
        item->array.release(&item->array);
        free(item);
    }
    for (int k = 0; k < 3 * MAX_THREADS; k++) {
        Part *part = &run->parts[k / MAX_THREADS][k % MAX_THREADS];
        free(part->rows);
        free(part->order);
        free(part->hashes);
    }
    while (run->blocks != NULL) {
        Block *next = run->blocks->next;
        free(run->blocks);
        run->blocks = next;
    }
    builder_free(&run->builder);
    pool_release(run->pool);
    free(run->window_starts);
    free(run->held);
    free(run->next_held);
    free(run->kept);
    free(run->next_kept);
    free(run->untimed);
    free(run->hashes);
    if (run->data != NULL) munmap((void *)run->data, run->size);
    pthread_mutex_destroy(&run->lock);
    pthread_cond_destroy(&run->changed);
    free(run);
}

/* The next batch, waiting for it: 1 (a batch), 0 (the end), -1 (failed). */
static int dequeue(Run *run, struct ArrowArray *out) {
    pthread_mutex_lock(&run->lock);
    while (run->head == NULL && !run->done && !run->ended) pthread_cond_wait(&run->changed, &run->lock);
    int result;
    if (run->failure != FAIL_NONE && run->done) {
        result = -1;
    } else if (run->head != NULL) {
        Queued *item = run->head;
        run->head = item->next;
        if (run->head == NULL) run->tail = NULL;
        run->queued_bytes -= item->bytes;
        __atomic_store_n(&run->exported_bytes, item->through, __ATOMIC_RELAXED);
        *out = item->array;
        free(item);
        pthread_cond_broadcast(&run->changed);
        result = 1;
    } else {
        __atomic_store_n(&run->exported_bytes, run->size, __ATOMIC_RELAXED);
        result = 0;
    }
    pthread_mutex_unlock(&run->lock);
    return result;
}

/* ---- the stream ---- */
typedef struct {
    Run *run;
    int reading; /* this stream has asked for records (so dropping it stops the run) */
    char error[256];
} StreamState;

static void schema_release(struct ArrowSchema *schema) {
    free(schema->private_data); /* the children, allocated with their pointer array */
    schema->release = NULL;
}

static void child_schema_release(struct ArrowSchema *schema) { schema->release = NULL; }

static int stream_get_schema(struct ArrowArrayStream *stream, struct ArrowSchema *out) {
    (void)stream;
    struct {
        struct ArrowSchema *pointers[N_COLUMNS];
        struct ArrowSchema children[N_COLUMNS];
        struct ArrowSchema statuses; /* the status column's dictionary */
    } *block = calloc(1, sizeof *block);
    if (block == NULL) return ENOMEM;
    for (int k = 0; k < N_COLUMNS; k++) {
        block->pointers[k] = &block->children[k];
        block->children[k] = (struct ArrowSchema){.format = COLUMN_FORMATS[k],
                                                  .name = COLUMN_NAMES[k],
                                                  .flags = ARROW_FLAG_NULLABLE,
                                                  .release = child_schema_release};
    }
    block->statuses = (struct ArrowSchema){.format = "u", .name = "", .release = child_schema_release};
    block->children[C_STATUS].dictionary = &block->statuses;
    *out = (struct ArrowSchema){.format = "+s",
                                .name = "",
                                .n_children = N_COLUMNS,
                                .children = block->pointers,
                                .release = schema_release,
                                .private_data = block};
    return 0;
}

static int stream_get_next(struct ArrowArrayStream *stream, struct ArrowArray *out) {
    StreamState *st = stream->private_data;
    Run *run = st->run;
    out->release = NULL;
    if (!st->reading) {
        /* One reader per run: the records are parsed as they are read, once. */
        if (claim_reader(run) != 0) {
            snprintf(st->error, sizeof st->error,
                     "advisor: this ReportScan's records were read already; make a new one");
            return EINVAL;
        }
        st->reading = 1;
        run_start(run);
    }
    int got = dequeue(run, out);
    if (got < 0) {
        snprintf(st->error, sizeof st->error, "advisor: %s", run->why);
        return EIO;
    }
    return 0;
}

static const char *stream_get_last_error(struct ArrowArrayStream *stream) {
    StreamState *st = stream->private_data;
    return st->error[0] ? st->error : NULL;
}

static void stream_release(struct ArrowArrayStream *stream) {
    StreamState *st = stream->private_data;
    if (st->reading) run_stop(st->run); /* its reader is gone: stop parsing (done or not) */
    run_release(st->run);
    free(st);
    stream->release = NULL;
}

/* ---- the Python type ---- */
typedef struct {
    PyObject_HEAD
    Run *run;
} ReportScan;

static void capsule_destructor(PyObject *capsule) {
    struct ArrowArrayStream *stream = PyCapsule_GetPointer(capsule, "arrow_array_stream");
    if (stream == NULL) {
        PyErr_Clear();
        return;
    }
    if (stream->release != NULL) stream->release(stream);
    free(stream);
}

static Run *checked(ReportScan *self) {
    if (self->run == NULL) PyErr_SetString(PyExc_ValueError, "ReportScan is not initialised");
    return self->run;
}

/* The run, finished and successful (else a ValueError saying why not). */
/* Whether the run is done; once its records are all handed over, it waits for the end
 * (the parse looks for repeated request ids after the stream has ended). */
static int settled(Run *run) {
    int done;
    Py_BEGIN_ALLOW_THREADS
    pthread_mutex_lock(&run->lock);
    while (run->ended && !run->done) pthread_cond_wait(&run->changed, &run->lock);
    done = run->done;
    pthread_mutex_unlock(&run->lock);
    Py_END_ALLOW_THREADS
    return done;
}

static Run *finished(ReportScan *self) {
    Run *run = checked(self);
    if (run == NULL) return NULL;
    if (!settled(run)) {
        PyErr_SetString(PyExc_ValueError, "ReportScan has not read the whole file (read its stream, or drain())");
        return NULL;
    }
    if (run->failure != FAIL_NONE) {
        PyErr_SetString(PyExc_ValueError, run->why);
        return NULL;
    }
    return run;
}

static PyObject *scan_arrow_c_stream(ReportScan *self, PyObject *args, PyObject *kwargs) {
    static char *keywords[] = {"requested_schema", NULL};
    PyObject *requested = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|O", keywords, &requested)) return NULL;
    if (requested != Py_None) {
        PyErr_SetString(PyExc_NotImplementedError, "ReportScan exports its own schema only");
        return NULL;
    }
    Run *run = checked(self);
    if (run == NULL) return NULL;
    struct ArrowArrayStream *stream = calloc(1, sizeof *stream);
    StreamState *st = calloc(1, sizeof *st);
    if (stream == NULL || st == NULL) {
        free(stream);
        free(st);
        return PyErr_NoMemory();
    }
    __atomic_add_fetch(&run->refs, 1, __ATOMIC_ACQ_REL);
    st->run = run;
    *stream = (struct ArrowArrayStream){.get_schema = stream_get_schema,
                                        .get_next = stream_get_next,
                                        .get_last_error = stream_get_last_error,
                                        .release = stream_release,
                                        .private_data = st};
    PyObject *capsule = PyCapsule_New(stream, "arrow_array_stream", capsule_destructor);
    if (capsule == NULL) {
        stream_release(stream);
        free(stream);
    }
    return capsule;
}

static PyObject *scan_start(ReportScan *self, PyObject *unused) {
    (void)unused;
    Run *run = checked(self);
    if (run == NULL) return NULL;
    run_start(run);
    Py_RETURN_NONE;
}

static PyObject *scan_drain(ReportScan *self, PyObject *unused) {
    (void)unused;
    Run *run = checked(self);
    if (run == NULL) return NULL;
    if (claim_reader(run) != 0) {
        PyErr_SetString(PyExc_ValueError, "this ReportScan's records were read already; make a new one");
        return NULL;
    }
    int got;
    Py_BEGIN_ALLOW_THREADS
    run_start(run);
    struct ArrowArray batch;
    while ((got = dequeue(run, &batch)) > 0) batch.release(&batch);
    Py_END_ALLOW_THREADS
    if (got < 0) {
        PyErr_SetString(PyExc_ValueError, run->why);
        return NULL;
    }
    Py_RETURN_NONE;
}

static int scan_init(ReportScan *self, PyObject *args, PyObject *kwargs) {
    static char *keywords[] = {"path", "threads", "store_order", "batch_rows", "window_bytes",
                               "queue_bytes", NULL};
    PyObject *path = NULL;
    int threads = 1, store_order = 1;
    Py_ssize_t batch_rows = DEFAULT_BATCH_ROWS, window_bytes = DEFAULT_WINDOW_BYTES,
               queue_bytes = DEFAULT_QUEUE_BYTES;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O&|$ipnnn", keywords, PyUnicode_FSConverter,
                                     &path, &threads, &store_order, &batch_rows, &window_bytes,
                                     &queue_bytes))
        return -1;
    if (batch_rows < 1 || window_bytes < 1 || queue_bytes < 0) {
        Py_DECREF(path);
        PyErr_SetString(PyExc_ValueError, "batch_rows and window_bytes must be positive");
        return -1;
    }
    Run *run = calloc(1, sizeof *run);
    if (run == NULL) {
        Py_DECREF(path);
        PyErr_NoMemory();
        return -1;
    }
    int fd = open(PyBytes_AS_STRING(path), O_RDONLY | O_CLOEXEC);
    struct stat info;
    if (fd < 0 || fstat(fd, &info) != 0) {
        PyErr_SetFromErrnoWithFilenameObject(PyExc_OSError, path);
        if (fd >= 0) close(fd);
        Py_DECREF(path);
        free(run);
        return -1;
    }
    run->size = (size_t)info.st_size;
    if (run->size > 0) {
        void *data = mmap(NULL, run->size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (data == MAP_FAILED) {
            PyErr_SetFromErrnoWithFilenameObject(PyExc_OSError, path);
            close(fd);
            Py_DECREF(path);
            free(run);
            return -1;
        }
        madvise(data, run->size, MADV_SEQUENTIAL);
        run->data = data;
    }
    close(fd);
    Py_DECREF(path);
    run->refs = 1;
    run->page = (size_t)sysconf(_SC_PAGESIZE);
    run->threads = threads < 1 ? 1 : threads > MAX_THREADS ? MAX_THREADS : threads;
    run->store_order = store_order;
    run->batch_rows = (size_t)batch_rows;
    run->window_bytes = (size_t)window_bytes;
    run->queue_bytes = (size_t)queue_bytes;
    run->all_equal = 1;
    run->pool = pool_new(); /* none: every batch on fresh memory */
    pthread_mutex_init(&run->lock, NULL);
    pthread_cond_init(&run->changed, NULL);
    if (self->run != NULL) run_release(self->run);
    self->run = run;
    return 0;
}

static void scan_dealloc(ReportScan *self) {
    if (self->run != NULL) {
        Run *run = self->run;
        self->run = NULL;
        Py_BEGIN_ALLOW_THREADS
        run_release(run);
        Py_END_ALLOW_THREADS
    }
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *scan_lines(ReportScan *self, void *closure) {
    (void)closure;
    Run *run = finished(self);
    return run ? PyLong_FromLongLong(run->lines) : NULL;
}

static PyObject *scan_records(ReportScan *self, void *closure) {
    (void)closure;
    Run *run = finished(self);
    return run ? PyLong_FromSize_t(run->records) : NULL;
}

static PyObject *scan_duplicates(ReportScan *self, void *closure) {
    (void)closure;
    Run *run = finished(self);
    if (run == NULL) return NULL;
    if (run->duplicates < 0) Py_RETURN_NONE;
    return PyBool_FromLong(run->duplicates);
}

static PyObject *scan_emulator(ReportScan *self, void *closure) {
    (void)closure;
    Run *run = finished(self);
    return run ? PyBool_FromLong(run->all_equal && run->any_emulator) : NULL;
}

static PyObject *scan_done(ReportScan *self, void *closure) {
    (void)closure;
    Run *run = checked(self);
    return run ? PyBool_FromLong(settled(run)) : NULL;
}

static PyObject *scan_failure(ReportScan *self, void *closure) {
    (void)closure;
    Run *run = checked(self);
    if (run == NULL) return NULL;
    if (!settled(run) || run->failure == FAIL_NONE) Py_RETURN_NONE;
    return PyUnicode_FromString(run->why);
}

static PyObject *scan_out_of_order(ReportScan *self, void *closure) {
    (void)closure;
    Run *run = checked(self);
    return run ? PyBool_FromLong(settled(run) && run->failure == FAIL_ORDER) : NULL;
}

static PyObject *fraction(ReportScan *self, size_t *counter) {
    if (self->run->size == 0) return PyFloat_FromDouble(1.0);
    size_t bytes = __atomic_load_n(counter, __ATOMIC_RELAXED);
    return PyFloat_FromDouble((double)bytes / (double)self->run->size);
}

static PyObject *scan_progress(ReportScan *self, void *closure) {
    (void)closure;
    return checked(self) ? fraction(self, &self->run->parsed_bytes) : NULL;
}

static PyObject *scan_exported(ReportScan *self, void *closure) {
    (void)closure;
    return checked(self) ? fraction(self, &self->run->exported_bytes) : NULL;
}

static PyMethodDef scan_methods[] = {
    {"start", (PyCFunction)scan_start, METH_NOARGS,
     "Start parsing in the background (the stream starts it too); batches wait in a bounded "
     "queue for the reader."},
    {"drain", (PyCFunction)scan_drain, METH_NOARGS,
     "Parse the whole file, dropping the records (to learn lines, records, duplicates...). "
     "Raises ValueError naming the first line this parser does not vouch for."},
    {"__arrow_c_stream__", (PyCFunction)(void (*)(void))scan_arrow_c_stream,
     METH_VARARGS | METH_KEYWORDS,
     "An Arrow C stream of the records (PyCapsule interface). Only one stream may read them."},
    {NULL, NULL, 0, NULL}};

static PyGetSetDef scan_getset[] = {
    {"lines", (getter)scan_lines, NULL, "Physical lines of the file (once read).", NULL},
    {"records", (getter)scan_records, NULL, "Records parsed (once read).", NULL},
    {"duplicates", (getter)scan_duplicates, NULL,
     "Whether a request id may occur twice (two equal 64-bit hashes); None when the file holds "
     "too many to keep their hashes (once read).", NULL},
    {"emulator", (getter)scan_emulator, NULL,
     "Whether the records look like the local emulator's (Max Memory Used always equal to "
     "Memory Size, one of them the emulator's size; once read).", NULL},
    {"done", (getter)scan_done, NULL, "Whether the parse has ended (read through, or failed).", NULL},
    {"failure", (getter)scan_failure, NULL,
     "Why the parse failed ('line N ...', or '... out of store order'), or None.", NULL},
    {"out_of_order", (getter)scan_out_of_order, NULL,
     "Whether the parse failed because the records are too far out of store order.", NULL},
    {"progress", (getter)scan_progress, NULL, "Fraction of the file parsed so far (0 to 1).", NULL},
    {"exported", (getter)scan_exported, NULL,
     "Fraction of the file whose records the stream has handed over so far (0 to 1).", NULL},
    {NULL, NULL, NULL, NULL, NULL}};

static PyTypeObject ReportScanType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "advisor.logs._scan.ReportScan",
    .tp_basicsize = sizeof(ReportScan),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "ReportScan(path, *, threads=1, store_order=True, batch_rows=122880, "
              "window_bytes=16 MiB, queue_bytes=32 MiB): a plain-text REPORT log, parsed as its "
              "Arrow C stream of records is read.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)scan_init,
    .tp_dealloc = (destructor)scan_dealloc,
    .tp_methods = scan_methods,
    .tp_getset = scan_getset,
};

static struct PyModuleDef scan_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "advisor.logs._scan",
    .m_doc = "The bulk import's C parser of plain-text REPORT logs (see advisor/logs/fast.py).",
    .m_size = -1,
};

PyMODINIT_FUNC PyInit__scan(void) {
    init_char_classes();
    if (PyType_Ready(&ReportScanType) < 0) return NULL;
    PyObject *module = PyModule_Create(&scan_module);
    if (module == NULL) return NULL;
    if (PyModule_AddIntConstant(module, "VERSION", SCAN_VERSION) < 0 ||
        PyModule_AddIntConstant(module, "EMULATOR_MEMORY_MB", EMULATOR_MEMORY_MB) < 0 ||
        PyModule_AddIntConstant(module, "MAX_TRACKED_IDS", MAX_TRACKED_IDS) < 0 ||
        PyModule_AddIntConstant(module, "MAX_UNTIMED", MAX_UNTIMED) < 0 ||
        PyModule_AddObjectRef(module, "ReportScan", (PyObject *)&ReportScanType) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}

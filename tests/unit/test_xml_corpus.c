/* Runs the XML layer over libvirt's own test documents when NV_LIBVIRT_SRC
 * points at an extracted libvirt source tree (they are not copied here). */
#include "check.h"
#include "util/error.h"
#include "xml/canon.h"
#include "xml/diff.h"
#include "xml/doc.h"
#include "xml/write.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libvirt's rule, as the engine passes it (engine/compare.c) */
static const char *const unordered_names[] = {"devices", NULL};
static const nv_xml_order ORDER = {.root_children = unordered_names};

static const char *const corpus_dirs[] = {
    "tests/qemuxml2argvdata",      "tests/qemuxml2xmloutdata",
    "tests/networkxml2xmlin",      "tests/networkxml2xmlout",
    "tests/storagepoolxml2xmlin",  "tests/storagepoolxml2xmlout",
    "tests/storagevolxml2xmlin",   "tests/storagevolxml2xmlout",
};

/* "in" and "out" directories whose files are related documents: X.xml in
 * the first goes with X<suffix> in the second. */
static const char *const corpus_pairs[][3] = {
    {"tests/networkxml2xmlin", "tests/networkxml2xmlout", ".xml"},
    {"tests/storagepoolxml2xmlin", "tests/storagepoolxml2xmlout", ".xml"},
    {"tests/storagevolxml2xmlin", "tests/storagevolxml2xmlout", ".xml"},
    {"tests/qemuxml2argvdata", "tests/qemuxml2xmloutdata", ".xml"},
    {"tests/qemuxml2argvdata", "tests/qemuxml2xmloutdata", ".x86_64-latest.xml"},
};

static int is_xml(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && strcmp(name + n - 4, ".xml") == 0;
}

static int diff_is_empty(const nv_xml_node *a, const nv_xml_node *b, int *empty, nv_err *e)
{
    nv_xml_diff_list d = {0};
    int rc = nv_xml_diff(a, b, &ORDER, &d, e);
    *empty = d.n == 0;
    nv_xml_diff_free(&d);
    return rc;
}

/* parse -> write -> parse is lossless, the canonical form is idempotent,
 * and the diff between a document and its rewrite is empty. */
/* test_xml_doc.c: the tree's lines are expat's */
int xml_lines_agree(const char *what, const char *data, size_t len);

static int check_file(const char *path)
{
    nv_err e;
    int ok = 0;
    size_t raw_len;
    char *raw = nv_xml_read_file(path, &raw_len, &e);
    if (raw) {
        int agree = xml_lines_agree(path, raw, raw_len);
        free(raw);
        if (!agree) {
            fprintf(stderr, "    %s: a line in the tree is not expat's\n", path);
            return 0;
        }
    }
    char *w = NULL, *c1 = NULL, *c2 = NULL;
    nv_xml_node *b = NULL, *c = NULL;
    nv_xml_node *a = nv_xml_parse_file(path, &e);
    if (!a)
        goto out;
    size_t len;
    if (!(w = nv_xml_to_string(a, &len, &e)) || !(b = nv_xml_parse(w, len, path, &e)))
        goto out;
    if (!nv_xml_equal(a, b)) {
        nv_err_set(&e, NV_ERR_INPUT, "%s: round trip changed the tree", path);
        goto out;
    }
    if (!(c1 = nv_xml_canon_string(a, &ORDER, &e)) || !(c = nv_xml_parse(c1, strlen(c1), path, &e)) ||
        !(c2 = nv_xml_canon_string(c, &ORDER, &e)))
        goto out;
    if (strcmp(c1, c2) != 0) {
        nv_err_set(&e, NV_ERR_INPUT, "%s: canonical form is not idempotent", path);
        goto out;
    }
    int empty;
    if (diff_is_empty(a, c, &empty, &e) < 0)
        goto out;
    if (!empty) {
        nv_err_set(&e, NV_ERR_INPUT, "%s: diff against its canonical form is not empty", path);
        goto out;
    }
    ok = 1;
out:
    if (!ok)
        check_fail(__FILE__, __LINE__, "%s", e.msg);
    free(w);
    free(c1);
    free(c2);
    nv_xml_free(a);
    nv_xml_free(b);
    nv_xml_free(c);
    return ok;
}

/* The diff is empty exactly when the canonical forms are equal. */
static void check_pair(const char *in, const char *out, int *differing)
{
    nv_err e;
    nv_xml_node *a = nv_xml_parse_file(in, &e);
    nv_xml_node *b = a ? nv_xml_parse_file(out, &e) : NULL;
    if (!b) {
        check_fail(__FILE__, __LINE__, "%s", e.msg);
        nv_xml_free(a);
        return;
    }
    int eq = nv_xml_canon_equal(a, b, &ORDER, &e), empty = 0;
    if (eq < 0 || diff_is_empty(a, b, &empty, &e) < 0)
        check_fail(__FILE__, __LINE__, "%s", e.msg);
    else if (eq != empty)
        check_fail(__FILE__, __LINE__, "%s vs %s: canonically %s but diff %s", in, out,
                   eq ? "equal" : "different", empty ? "empty" : "not empty");
    *differing += !eq;
    nv_xml_free(a);
    nv_xml_free(b);
}

TEST(xml_corpus_libvirt_tests)
{
    const char *root = getenv("NV_LIBVIRT_SRC");
    if (!root || !*root) {
        printf("note: NV_LIBVIRT_SRC is not set; skipping the libvirt XML corpus test\n");
        return;
    }
    char path[4096];
    int files = 0, good = 0;
    for (size_t i = 0; i < sizeof corpus_dirs / sizeof corpus_dirs[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", root, corpus_dirs[i]);
        DIR *d = opendir(path);
        if (!d) {
            check_fail(__FILE__, __LINE__, "cannot open %s", path);
            continue;
        }
        struct dirent *de;
        while ((de = readdir(d))) {
            if (!is_xml(de->d_name))
                continue;
            snprintf(path, sizeof path, "%s/%s/%s", root, corpus_dirs[i], de->d_name);
            files++;
            good += check_file(path);
        }
        closedir(d);
    }
    int pairs = 0, differing = 0;
    for (size_t i = 0; i < sizeof corpus_pairs / sizeof corpus_pairs[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", root, corpus_pairs[i][0]);
        DIR *d = opendir(path);
        if (!d)
            continue;
        struct dirent *de;
        while ((de = readdir(d))) {
            if (!is_xml(de->d_name))
                continue;
            char in[4096], out[4096];
            snprintf(in, sizeof in, "%s/%s/%s", root, corpus_pairs[i][0], de->d_name);
            snprintf(out, sizeof out, "%s/%s/%.*s%s", root, corpus_pairs[i][1],
                     (int)strlen(de->d_name) - 4, de->d_name, corpus_pairs[i][2]);
            FILE *f = fopen(out, "r");
            if (!f)
                continue;
            fclose(f);
            pairs++;
            check_pair(in, out, &differing);
        }
        closedir(d);
    }
    printf("note: libvirt corpus: %d/%d files round-trip; %d in/out pairs (%d differ)\n", good,
           files, pairs, differing);
    CHECK(files > 0);
}

#include "check.h"
#include "cli/args.h"
#include "util/seconds.h"

static const char *const types[] = {"domain", "network", "pool", NULL};

#define OPTS                                                                  \
    struct nv_opt opts[] = {                                                  \
        {.name = "verbose", .short_name = 'v', .kind = NV_OPT_FLAG},          \
        {.name = "connect", .kind = NV_OPT_VALUE},                            \
        {.name = "type", .kind = NV_OPT_VALUE, .choices = types},             \
        {.name = "define", .kind = NV_OPT_VALUE},                             \
        {.name = "dry-run", .kind = NV_OPT_FLAG},                             \
    }

TEST(args_long_forms)
{
    OPTS;
    char *argv[] = {"x", "--connect", "qemu:///system", "--type=pool", "-v", "--def", "a.xml", NULL};
    const char *pos[2];
    size_t np = 9;
    char err[256] = "";
    CHECK_INT(nv_args_parse(7, argv, opts, 5, pos, 2, &np, err, sizeof err), 0);
    CHECK_STR(opts[1].value, "qemu:///system");
    CHECK_STR(opts[2].value, "pool");
    CHECK_STR(opts[3].value, "a.xml");
    CHECK_INT(opts[0].count, 1);
    CHECK_INT(np, 0);
}

TEST(args_invalid_choice_message)
{
    OPTS;
    char *argv[] = {"x", "--type", "volume", NULL};
    char err[256] = "";
    CHECK_INT(nv_args_parse(3, argv, opts, 5, NULL, 0, NULL, err, sizeof err), -1);
    CHECK_STR(err, "argument --type: invalid choice: 'volume' (choose from 'domain', 'network', 'pool')");
}

TEST(args_missing_value_and_unknown)
{
    OPTS;
    char *argv[] = {"x", "--connect", NULL};
    char err[256] = "";
    CHECK_INT(nv_args_parse(2, argv, opts, 5, NULL, 0, NULL, err, sizeof err), -1);
    CHECK_STR(err, "argument --connect: expected one argument");
    char *argv2[] = {"x", "--bogus", NULL};
    CHECK_INT(nv_args_parse(2, argv2, opts, 5, NULL, 0, NULL, err, sizeof err), -1);
    CHECK_STR(err, "unrecognized argument: --bogus");
    char *argv3[] = {"x", "-q", NULL};
    CHECK_INT(nv_args_parse(2, argv3, opts, 5, NULL, 0, NULL, err, sizeof err), -1);
    CHECK_STR(err, "unrecognized argument: -q");
}

TEST(args_ambiguous_prefix)
{
    struct nv_opt opts[] = {
        {.name = "uuid", .kind = NV_OPT_VALUE},
        {.name = "update", .kind = NV_OPT_FLAG},
    };
    char *argv[] = {"x", "--u", "1", NULL};
    char err[256] = "";
    CHECK_INT(nv_args_parse(3, argv, opts, 2, NULL, 0, NULL, err, sizeof err), -1);
    CHECK_STR(err, "ambiguous option: --u");
}

TEST(args_positional_and_flag_value)
{
    OPTS;
    char *argv[] = {"x", "manifest.xml", "-vv", "--dry-run=yes", NULL};
    const char *pos[1];
    size_t np = 0;
    char err[256] = "";
    CHECK_INT(nv_args_parse(3, argv, opts, 5, pos, 1, &np, err, sizeof err), 0);
    CHECK_INT(np, 1);
    CHECK_STR(pos[0], "manifest.xml");
    CHECK_INT(opts[0].count, 2);
    CHECK_INT(nv_args_parse(4, argv, opts, 5, pos, 1, &np, err, sizeof err), -1);
    CHECK_STR(err, "argument --dry-run: ignored explicit argument 'yes'");
    char *argv2[] = {"x", "a", "b", NULL};
    CHECK_INT(nv_args_parse(3, argv2, opts, 5, pos, 1, &np, err, sizeof err), -1);
    CHECK_STR(err, "unrecognized argument: b");
}

TEST(args_seconds)
{
    unsigned s = 0;
    CHECK_INT(nv_parse_seconds("30", &s), 0);
    CHECK_INT(s, 30);
    CHECK_INT(nv_parse_seconds("0", &s), 0);
    CHECK_INT(s, 0);
    CHECK_INT(nv_parse_seconds("-1", &s), -1);
    CHECK_INT(nv_parse_seconds("1x", &s), -1);
    CHECK_INT(nv_parse_seconds("", &s), -1);
    CHECK_INT(nv_parse_seconds("99999999999999999999", &s), -1);
}

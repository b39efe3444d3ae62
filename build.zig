//! Builds the multi-call `nixvirt` executable (plus `virtdeclare` and
//! `virtpurge`), the unit tests, the integration-test driver rpcprobe, and a
//! sanitizer build with the system cc.
//!
//!   zig build                                  static musl binary for this machine
//!   zig build -Dtarget=aarch64-linux-musl      cross build
//!   zig build -Doptimize=ReleaseSmall          small stripped binary
//!   zig build -Doptimize=ReleaseSmall -Dstrip=false   the same with symbols
//!   zig build -Dsystem-expat=true              link the system's libexpat
//!   zig build test                             run the C unit tests
//!   zig build -Dsanitize=true                  ASan+UBSan build with the host cc (glibc)

const std = @import("std");

const c_flags = [_][]const u8{
    "-std=c11",
    "-D_GNU_SOURCE",
    "-Wall",
    "-Wextra",
    "-Werror",
    "-Wno-unused-parameter",
    "-fno-strict-aliasing",
};

pub fn build(b: *std.Build) void {
    // Default: static musl for the host architecture.
    const target = b.standardTargetOptions(.{ .default_target = .{ .abi = .musl } });
    const optimize = b.standardOptimizeOption(.{});
    const system_expat = b.option(bool, "system-expat", "Link the system's libexpat instead of the bundled 2.5.0") orelse false;
    const sanitize = b.option(bool, "sanitize", "Also build nixvirt, the unit tests and rpcprobe with the host cc, ASan and UBSan (glibc)") orelse false;
    // The package (nix/package.nix) builds with -Ddev-tools=false: its source
    // holds neither tests/integration nor bench, and its output only the program.
    const dev_tools = b.option(bool, "dev-tools", "Also install rpcprobe (zig-out/test) and bench/floor and bench/measure (zig-out/bench) (default: true)") orelse true;

    const src_files = collectC(b, "src", "cli/main.c");
    const test_files = collectC(b, "tests/unit", null);

    // -Dstrip=false keeps the symbols of a release build (for measuring where its bytes go).
    const strip = b.option(bool, "strip", "Strip the program (default: in ReleaseSmall and ReleaseFast)") orelse
        (optimize == .ReleaseSmall or optimize == .ReleaseFast);

    // The program.
    const exe_mod = makeModule(b, target, optimize, strip, system_expat, src_files);
    exe_mod.addCSourceFile(.{ .file = b.path("src/cli/main.c"), .flags = &c_flags });
    const exe = b.addExecutable(.{
        .name = "nixvirt",
        .root_module = exe_mod,
        .linkage = if (target.result.abi.isMusl()) .static else null,
    });
    shrink(exe_mod, exe, optimize);
    b.installArtifact(exe);
    for ([_][]const u8{ "virtdeclare", "virtpurge" }) |alias| {
        const inst = b.addInstallArtifact(exe, .{ .dest_sub_path = alias });
        b.getInstallStep().dependOn(&inst.step);
    }
    // The manual pages (man/*.1, mdoc written by hand) and the bash
    // completion, one file per command name (bash-completion loads by name).
    for ([_][]const u8{ "nixvirt", "virtdeclare", "virtpurge" }) |name| {
        b.installFile(b.fmt("man/{s}.1", .{name}), b.fmt("share/man/man1/{s}.1", .{name}));
        b.installFile("completions/nixvirt.bash", b.fmt("share/bash-completion/completions/{s}", .{name}));
    }

    // Unit tests: every src file but main.c, plus tests/unit/*.c.
    const test_mod = makeModule(b, target, optimize, false, system_expat, src_files);
    test_mod.addCSourceFiles(.{ .root = b.path("tests/unit"), .files = test_files, .flags = &c_flags });
    test_mod.addIncludePath(b.path("tests/unit"));
    const unit = b.addExecutable(.{
        .name = "unit-tests",
        .root_module = test_mod,
        .linkage = if (target.result.abi.isMusl()) .static else null,
    });
    const install_unit = b.addInstallArtifact(unit, .{ .dest_dir = .{ .override = .{ .custom = "test" } } });
    const unit_step = b.step("unit", "Build the unit-test binary into zig-out/test");
    unit_step.dependOn(&install_unit.step);

    const run_unit = runMaybeEmulated(b, target, unit);
    run_unit.setEnvironmentVariable("NV_TEST_DATA", b.pathFromRoot("tests/data"));
    if (b.args) |args| run_unit.addArgs(args);
    const test_step = b.step("test", "Run the C unit tests");
    test_step.dependOn(&run_unit.step);

    if (dev_tools) addDevTools(b, target, optimize, strip, system_expat, src_files);

    if (sanitize) addSanitizeBuild(b, src_files, test_files);
}

/// Release builds of the program: no unwind tables (C has no exceptions and
/// nixvirt calls no backtrace(); .eh_frame was 13% of the ReleaseSmall
/// binary), and each function and object in its own section so that the
/// linker drops what nothing uses (in libc and expat too). (LTO would save
/// only another 1.3 KiB.)
fn shrink(mod: *std.Build.Module, exe: *std.Build.Step.Compile, optimize: std.builtin.OptimizeMode) void {
    if (optimize == .Debug) return;
    mod.unwind_tables = .none;
    exe.link_function_sections = true;
    exe.link_data_sections = true;
    exe.link_gc_sections = true;
}

fn makeModule(
    b: *std.Build,
    target: std.Build.ResolvedTarget,
    optimize: std.builtin.OptimizeMode,
    strip: bool,
    system_expat: bool,
    src_files: []const []const u8,
) *std.Build.Module {
    const mod = b.createModule(.{
        .target = target,
        .optimize = optimize,
        .link_libc = true,
        .strip = strip,
    });
    mod.addIncludePath(b.path("src"));
    // musl builds use the program's own allocator (src/util/malloc.c)
    if (target.result.abi.isMusl()) mod.addCMacro("NV_OWN_MALLOC", "1");
    mod.addCSourceFiles(.{ .root = b.path("src"), .files = src_files, .flags = &c_flags });
    if (system_expat) {
        mod.linkSystemLibrary("expat", .{ .preferred_link_mode = .static });
    } else if (b.lazyDependency("expat", .{})) |dep| {
        addBundledExpat(b, mod, dep, target);
    }
    return mod;
}

/// Compiles libexpat 2.5.0's three sources into the module. Without XML_DTD
/// (parameter entities, external subsets, and the accounting that guards their
/// expansion on every token): our parsers stop at the start of any DOCTYPE, so
/// none of it could be reached, and the accounting cost ~3% of reading a
/// definition. (A system libexpat, -Dsystem-expat, has it; the DOCTYPE is
/// refused the same way.) Without XML_CONTEXT_BYTES (the bytes kept for
/// XML_GetInputContext, which we never call): XML_Parse then reads a whole
/// document where it lies instead of copying it into a buffer of its own
/// first (a 20,000-entry manifest is 3.5 MB). At -O2 even in ReleaseSmall:
/// at -Os its SipHash rounds and tokenizer helpers were calls, not inlined;
/// -O2 reads 20,000 definitions with 7% fewer instructions and ~12% less
/// time, for 24 KiB of program.
fn addBundledExpat(b: *std.Build, mod: *std.Build.Module, dep: *std.Build.Dependency, target: std.Build.ResolvedTarget) void {
    const big_endian = target.result.cpu.arch.endian() == .big;
    const config = b.addConfigHeader(.{ .style = .blank, .include_path = "expat_config.h" }, .{
        .BYTEORDER = @as(i64, if (big_endian) 4321 else 1234),
        .WORDS_BIGENDIAN = if (big_endian) @as(?i64, 1) else null,
        .HAVE_GETRANDOM = 1,
        .HAVE_FCNTL_H = 1,
        .HAVE_STDINT_H = 1,
        .HAVE_STDLIB_H = 1,
        .HAVE_STRING_H = 1,
        .HAVE_UNISTD_H = 1,
        .HAVE_MEMMOVE = 1,
        .XML_DEV_URANDOM = 1,
        .XML_NS = 1,
        .XML_DTD = null,
        .XML_CONTEXT_BYTES = null,
        .PACKAGE = "expat",
        .PACKAGE_VERSION = "2.5.0",
    });
    mod.addConfigHeader(config);
    mod.addIncludePath(dep.path("expat/lib"));
    mod.addCSourceFiles(.{
        .root = dep.path("expat/lib"),
        .files = &.{ "xmlparse.c", "xmlrole.c", "xmltok.c" },
        .flags = &.{ "-std=c99", "-fno-strict-aliasing", "-DXML_STATIC", "-w", "-O2" },
    });
}

/// Runs a test binary directly, or under qemu-user when it is for another
/// architecture (Debian's qemu-user-static names them qemu-<arch>-static).
fn runMaybeEmulated(b: *std.Build, target: std.Build.ResolvedTarget, artifact: *std.Build.Step.Compile) *std.Build.Step.Run {
    const host_arch = @import("builtin").cpu.arch;
    if (target.result.cpu.arch == host_arch) return b.addRunArtifact(artifact);
    const qemu = b.fmt("qemu-{s}-static", .{@tagName(target.result.cpu.arch)});
    const run = b.addSystemCommand(&.{qemu});
    run.addArtifactArg(artifact);
    return run;
}

/// Lists the .c files under `dir` (relative to it), except `skip`.
fn collectC(b: *std.Build, dir: []const u8, skip: ?[]const u8) []const []const u8 {
    var list: std.ArrayList([]const u8) = .empty;
    var d = b.build_root.handle.openDir(dir, .{ .iterate = true }) catch |err|
        std.debug.panic("cannot open {s}: {s}", .{ dir, @errorName(err) });
    defer d.close();
    var walker = d.walk(b.allocator) catch @panic("OOM");
    defer walker.deinit();
    while (walker.next() catch |err| std.debug.panic("walking {s}: {s}", .{ dir, @errorName(err) })) |entry| {
        if (entry.kind != .file or !std.mem.endsWith(u8, entry.path, ".c")) continue;
        if (skip) |s| if (std.mem.eql(u8, entry.path, s)) continue;
        if (std.mem.indexOf(u8, entry.path, "fuzz") != null) continue;
        list.append(b.allocator, b.dupe(entry.path)) catch @panic("OOM");
    }
    std.mem.sort([]const u8, list.items, {}, struct {
        fn lt(_: void, a: []const u8, c: []const u8) bool {
            return std.mem.lessThan(u8, a, c);
        }
    }.lt);
    return list.items;
}

/// Builds zig-out/san/{nixvirt,unit-tests,rpcprobe} with the host's
/// cc, AddressSanitizer and UndefinedBehaviorSanitizer, against glibc and
/// the system libexpat (zig's own clang ships no ASan runtime), and
/// zig-out/san/unit-tests-tsan with ThreadSanitizer (the threads that read
/// definitions and warm the connection up).
fn addSanitizeBuild(b: *std.Build, src_files: []const []const u8, test_files: []const []const u8) void {
    const san_flags = [_][]const u8{ "-g", "-O1", "-fsanitize=address,undefined", "-fno-omit-frame-pointer", "-fno-sanitize-recover=undefined", "-Wno-format-truncation" };
    const tsan_flags = [_][]const u8{ "-g", "-O1", "-fsanitize=thread", "-Wno-format-truncation" };
    const outputs = [_]struct { name: []const u8, with_main: bool, extra: ?[]const u8 = null, flags: []const []const u8 = &san_flags }{
        .{ .name = "nixvirt", .with_main = true },
        .{ .name = "unit-tests", .with_main = false },
        .{ .name = "unit-tests-tsan", .with_main = false, .flags = &tsan_flags },
        .{ .name = "rpcprobe", .with_main = false, .extra = "tests/integration/rpcprobe.c" },
    };
    for (outputs) |o| {
        const cc = b.addSystemCommand(&.{"cc"});
        cc.addArgs(&c_flags);
        cc.addArgs(o.flags);
        cc.addArgs(&.{ "-I", b.pathFromRoot("src"), "-I", b.pathFromRoot("tests/unit") });
        for (src_files) |f| cc.addFileArg(b.path(b.fmt("src/{s}", .{f})));
        if (o.with_main) {
            cc.addFileArg(b.path("src/cli/main.c"));
        } else if (o.extra) |f| {
            cc.addFileArg(b.path(f));
        } else {
            for (test_files) |f| cc.addFileArg(b.path(b.fmt("tests/unit/{s}", .{f})));
        }
        cc.addArgs(&.{ "-lexpat", "-o" });
        const out = cc.addOutputFileArg(o.name);
        const inst = b.addInstallFileWithDir(out, .{ .custom = "san" }, o.name);
        b.getInstallStep().dependOn(&inst.step);
    }
}

// rpcprobe (the integration tests' driver), bench/floor and bench/measure.
fn addDevTools(
    b: *std.Build,
    target: std.Build.ResolvedTarget,
    optimize: std.builtin.OptimizeMode,
    strip: bool,
    system_expat: bool,
    src_files: []const []const u8,
) void {
    // Integration-test driver (tests/integration/rpcprobe.c): every src file but
    // main.c; installed with the program as zig-out/test/rpcprobe.
    const probe_mod = makeModule(b, target, optimize, false, system_expat, src_files);
    probe_mod.addCSourceFile(.{ .file = b.path("tests/integration/rpcprobe.c"), .flags = &c_flags });
    installTool(b, target, probe_mod, "rpcprobe", "test");

    // bench/floor: the minimal client bench/apply.sh compares a no-op apply
    // with; installed with the program as zig-out/bench/floor.
    const floor_mod = makeModule(b, target, optimize, strip, system_expat, src_files);
    floor_mod.addCSourceFile(.{ .file = b.path("bench/floor.c"), .flags = &c_flags });
    installTool(b, target, floor_mod, "floor", "bench");

    // bench/measure: runs a command once and records its wall time, CPU (to
    // the microsecond) and peak RSS for bench/apply.sh: zig-out/bench/measure.
    const measure_mod = b.createModule(.{ .target = target, .optimize = optimize, .link_libc = true, .strip = strip });
    measure_mod.addCSourceFile(.{ .file = b.path("bench/measure.c"), .flags = &c_flags });
    installTool(b, target, measure_mod, "measure", "bench");
}

// An executable of mod installed as zig-out/<dir>/<name> (static on musl).
fn installTool(b: *std.Build, target: std.Build.ResolvedTarget, mod: *std.Build.Module, name: []const u8, dir: []const u8) void {
    const exe = b.addExecutable(.{
        .name = name,
        .root_module = mod,
        .linkage = if (target.result.abi.isMusl()) .static else null,
    });
    const inst = b.addInstallArtifact(exe, .{ .dest_dir = .{ .override = .{ .custom = dir } } });
    b.getInstallStep().dependOn(&inst.step);
}

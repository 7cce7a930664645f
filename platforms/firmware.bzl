"""Firmware for any board from any configuration.

- `tern_binary` links cc_library deps into an ELF and a linker map for the
  configured board, or, with `board` set, for that board through a
  transition (so a plain `bazel build //...` on the host still builds it);
  `ipv4_only = True` builds it IPv4-only (ip/addr/README.md).
  `bazel run` on it boots the ELF in QEMU.
- `qemu_test` boots a firmware in QEMU (semihosting, UART on stdout) and
  passes on exit code 0.
- `size_report` prints text/data/bss per library from the linker map.
- `tern_firmware` ties them together for a list of boards.

A workspace that uses tern loads this file as
`@tern//platforms:firmware.bzl`: tern's own targets are named here with
`Label()`, so they mean tern's targets wherever the rules are used.
"""

load("@bazel_tools//tools/cpp:toolchain_utils.bzl", "find_cpp_toolchain")
load("@bazel_tools//tools/build_defs/cc:action_names.bzl", "ACTION_NAMES")
load("//ip/addr:ipv4_only.bzl", "IPV6_FLAG")

BoardInfo = provider(
    doc = "How to link and boot one board.",
    fields = {
        "qemu_machine": "QEMU -M value; empty for the host",
        "linker_script": "File or None",
        "linker_includes": "list of File the script INCLUDEs",
    },
)

FirmwareInfo = provider(
    doc = "A linked firmware image.",
    fields = {
        "elf": "File",
        "map": "File: the GNU ld map of the link",
        "qemu_machine": "QEMU -M value",
    },
)

def _board_info_impl(ctx):
    return [BoardInfo(
        qemu_machine = ctx.attr.qemu_machine,
        linker_script = ctx.file.linker_script,
        linker_includes = ctx.files.linker_includes,
    )]

board_info = rule(
    implementation = _board_info_impl,
    attrs = {
        "qemu_machine": attr.string(mandatory = True),
        "linker_script": attr.label(allow_single_file = True),
        "linker_includes": attr.label_list(allow_files = True),
    },
)

_PLATFORMS = "//command_line_option:platforms"
_COPT = "//command_line_option:copt"
_LINKOPT = "//command_line_option:linkopt"
_MODE = "//command_line_option:compilation_mode"

def _board_transition_impl(settings, attr):
    mode = attr.compilation_mode or settings[_MODE]
    ipv6 = settings[IPV6_FLAG] and not attr.ipv4_only
    if not attr.board:
        return {
            _PLATFORMS: settings[_PLATFORMS],
            _COPT: settings[_COPT],
            _LINKOPT: settings[_LINKOPT],
            _MODE: mode,
            IPV6_FLAG: ipv6,
        }

    # Host-only flags (sanitizers from --config=asan, say) do not apply to
    # the board's compiler.
    return {
        _PLATFORMS: str(attr.board),
        _COPT: [],
        _LINKOPT: [],
        _MODE: mode,
        IPV6_FLAG: ipv6,
    }

_board_transition = transition(
    implementation = _board_transition_impl,
    inputs = [_PLATFORMS, _COPT, _LINKOPT, _MODE, IPV6_FLAG],
    outputs = [_PLATFORMS, _COPT, _LINKOPT, _MODE, IPV6_FLAG],
)

def _link_inputs(deps):
    """Returns (args, files) that link every library the deps carry."""
    cc_info = cc_common.merge_cc_infos(cc_infos = [d[CcInfo] for d in deps])
    args = ["-Wl,--start-group"]
    files = []
    flags = []
    for linker_input in cc_info.linking_context.linker_inputs.to_list():
        flags.extend(linker_input.user_link_flags)
        files.extend(linker_input.additional_inputs)
        for lib in linker_input.libraries:
            archive = lib.static_library or lib.pic_static_library
            if archive == None:
                continue
            files.append(archive)
            if lib.alwayslink:
                args.extend(["-Wl,--whole-archive", archive.path, "-Wl,--no-whole-archive"])
            else:
                args.append(archive.path)
    args.append("-Wl,--end-group")
    return args + flags, files

def _tern_binary_impl(ctx):
    board = ctx.attr._board_info[BoardInfo]
    if not board.qemu_machine:
        fail("tern_binary builds firmware; configure a board " +
             "(--config=microbit) or set board =")
    cc_toolchain = find_cpp_toolchain(ctx)
    features = cc_common.configure_features(
        ctx = ctx,
        cc_toolchain = cc_toolchain,
        requested_features = ctx.features,
        unsupported_features = ctx.disabled_features,
    )
    linker = cc_common.get_tool_for_action(
        feature_configuration = features,
        action_name = ACTION_NAMES.cpp_link_executable,
    )
    toolchain_flags = cc_common.get_memory_inefficient_command_line(
        feature_configuration = features,
        action_name = ACTION_NAMES.cpp_link_executable,
        variables = cc_common.create_link_variables(
            feature_configuration = features,
            cc_toolchain = cc_toolchain,
        ),
    )

    elf = ctx.actions.declare_file(ctx.label.name + ".elf")
    link_map = ctx.actions.declare_file(ctx.label.name + ".map")
    lib_args, lib_files = _link_inputs(ctx.attr.deps)
    script_args = []
    script_files = []
    if board.linker_script:
        script_args = ["-T", board.linker_script.path]
        script_files = [board.linker_script] + board.linker_includes
        for inc in board.linker_includes:
            script_args.append("-L" + inc.dirname)
    ctx.actions.run(
        executable = linker,
        arguments = toolchain_flags + script_args + lib_args + [
            "-o",
            elf.path,
            "-Wl,-Map=" + link_map.path,
        ],
        inputs = depset(lib_files + script_files, transitive = [cc_toolchain.all_files]),
        outputs = [elf, link_map],
        mnemonic = "TernLink",
        progress_message = "Linking firmware %s" % elf.short_path,
    )

    runner = ctx.actions.declare_file(ctx.label.name + ".run.sh")
    ctx.actions.write(
        output = runner,
        is_executable = True,
        content = "\n".join([
            "#!/bin/sh",
            "# Boots the firmware in QEMU; Ctrl-A x quits.",
            "exec qemu-system-arm -M %s -nographic -semihosting \\" % board.qemu_machine,
            "  -kernel %s \"$@\"" % elf.short_path,
            "",
        ]),
    )
    return [
        DefaultInfo(
            files = depset([elf, link_map]),
            executable = runner,
            runfiles = ctx.runfiles(files = [elf]),
        ),
        FirmwareInfo(elf = elf, map = link_map, qemu_machine = board.qemu_machine),
        # `filegroup(srcs = [":fw"], output_group = "elf")` names the ELF
        # alone (a test script's $(location) of the target itself would be
        # the QEMU runner script).
        OutputGroupInfo(elf = depset([elf]), map = depset([link_map])),
    ]

tern_binary = rule(
    implementation = _tern_binary_impl,
    cfg = _board_transition,
    executable = True,
    fragments = ["cpp"],
    toolchains = ["@bazel_tools//tools/cpp:toolchain_type"],
    attrs = {
        "deps": attr.label_list(providers = [CcInfo]),
        "board": attr.label(doc = "platform to build for; default: the configured one"),
        "compilation_mode": attr.string(
            values = ["", "fastbuild", "opt", "dbg"],
            doc = "build the firmware in this mode whatever -c says (size " +
                  "figures are opt figures); default: the configured one",
        ),
        "ipv4_only": attr.bool(
            doc = "build the firmware IPv4-only (TERN_CONFIG_IPV6 0, as " +
                  "--config=ipv4only does) whatever the command line says",
        ),
        "_board_info": attr.label(default = Label("//platforms:board_info")),
        "_cc_toolchain": attr.label(default = "@bazel_tools//tools/cpp:current_cc_toolchain"),
        "_allowlist_function_transition": attr.label(
            default = "@bazel_tools//tools/allowlists/function_transition_allowlist",
        ),
    },
)

def _qemu_test_impl(ctx):
    fw = ctx.attr.firmware[FirmwareInfo]
    script = ctx.actions.declare_file(ctx.label.name + ".sh")
    ctx.actions.expand_template(
        template = ctx.file._template,
        output = script,
        is_executable = True,
        substitutions = {
            "@MACHINE@": fw.qemu_machine,
            "@ELF@": fw.elf.short_path,
            "@TIMEOUT@": str(ctx.attr.timeout_s),
            "@EXIT_CODE@": str(ctx.attr.exit_code),
            "@EXPECT@": " ".join([_sh_quote(e) for e in ctx.attr.expect]),
            "@EXTRA_ARGS@": " ".join([
                _sh_quote(ctx.expand_location(a, ctx.attr.data))
                for a in ctx.attr.qemu_args
            ]),
            "@STDIN@": _sh_quote(ctx.file.stdin.short_path) if ctx.file.stdin else "/dev/null",
        },
    )
    return [DefaultInfo(
        executable = script,
        runfiles = ctx.runfiles(files = [fw.elf] + ctx.files.data + ctx.files.stdin),
    )]

def _sh_quote(s):
    return "'%s'" % s.replace("'", "'\\''")

qemu_test = rule(
    implementation = _qemu_test_impl,
    test = True,
    attrs = {
        "firmware": attr.label(mandatory = True, providers = [FirmwareInfo]),
        "timeout_s": attr.int(default = 30, doc = "seconds before QEMU is killed"),
        "exit_code": attr.int(default = 0, doc = "the exit code that passes"),
        "expect": attr.string_list(doc = "extended regexes each UART line set must match"),
        "qemu_args": attr.string_list(
            doc = "extra QEMU arguments after -kernel (a NIC, more -serial ports); " +
                  "$(location) of `data` is expanded",
        ),
        "stdin": attr.label(
            allow_single_file = True,
            doc = "a file fed to serial 0's input (default: nothing)",
        ),
        "data": attr.label_list(allow_files = True, doc = "files qemu_args name"),
        "_template": attr.label(
            default = Label("//platforms:qemu_test.sh.in"),
            allow_single_file = True,
        ),
    },
)

def _group_args(groups):
    return ["--group=%s=%s" % (name, ",".join(prefixes)) for name, prefixes in groups.items()]

def _size_report_impl(ctx):
    fw = ctx.attr.firmware[FirmwareInfo]
    report = ctx.actions.declare_file(ctx.label.name + ".txt")
    ctx.actions.run(
        executable = "/usr/bin/python3",
        arguments = [ctx.file._tool.path, fw.map.path, "--elf", fw.elf.path, "-o", report.path] +
                    _group_args(ctx.attr.groups),
        inputs = [ctx.file._tool, fw.map, fw.elf],
        outputs = [report],
        mnemonic = "TernSize",
        progress_message = "Size report for %s" % fw.elf.short_path,
    )
    runner = ctx.actions.declare_file(ctx.label.name + ".sh")
    ctx.actions.write(
        output = runner,
        is_executable = True,
        content = "#!/bin/sh\nexec cat %s\n" % report.short_path,
    )
    return [DefaultInfo(
        files = depset([report]),
        executable = runner,
        runfiles = ctx.runfiles(files = [report]),
    )]

_GROUPS_DOC = ("group name -> library name prefixes (`link/`, `ip/`): the " +
               "report adds a line with each group's text")

size_report = rule(
    implementation = _size_report_impl,
    executable = True,
    attrs = {
        "firmware": attr.label(mandatory = True, providers = [FirmwareInfo]),
        "groups": attr.string_list_dict(doc = _GROUPS_DOC),
        "_tool": attr.label(default = Label("//platforms:size_report.py"), allow_single_file = True),
    },
)

def _size_budget_test_impl(ctx):
    fw = ctx.attr.firmware[FirmwareInfo]
    for name in ctx.attr.max_text:
        if name not in ctx.attr.groups:
            fail("max_text names %s, which is not in groups" % name)
    script = ctx.actions.declare_file(ctx.label.name + ".sh")
    args = [ctx.file._tool.short_path, fw.map.short_path, "--elf", fw.elf.short_path]
    args += _group_args(ctx.attr.groups)
    args += ["--max=%s=%d" % (n, int(b)) for n, b in ctx.attr.max_text.items()]
    ctx.actions.write(
        output = script,
        is_executable = True,
        content = "#!/bin/sh\nexec /usr/bin/python3 %s\n" % " ".join(["'%s'" % a for a in args]),
    )
    return [DefaultInfo(
        executable = script,
        runfiles = ctx.runfiles(files = [ctx.file._tool, fw.map, fw.elf]),
    )]

# Fails when a group of libraries in the firmware has more text than its
# budget: the size goals as regression tests (the figure is read from the
# linker map, so it is exact, not timed).
size_budget_test = rule(
    implementation = _size_budget_test_impl,
    test = True,
    attrs = {
        "firmware": attr.label(mandatory = True, providers = [FirmwareInfo]),
        "groups": attr.string_list_dict(mandatory = True, doc = _GROUPS_DOC),
        "max_text": attr.string_dict(
            mandatory = True,
            doc = "group name -> the most bytes of text it may have (a decimal string)",
        ),
        "_tool": attr.label(default = Label("//platforms:size_report.py"), allow_single_file = True),
    },
)

# Labels, not strings: a string in a macro names a target of the workspace
# that calls it, and these macros are called from other workspaces too.
BOARDS = {
    "microbit": Label("//platforms/microbit"),
    "mps2_an385": Label("//platforms/mps2_an385"),
}

def tern_firmware(
        name,
        deps,
        boards = BOARDS.keys(),
        expect = [],
        exit_code = 0,
        timeout_s = 30,
        qemu_args = [],
        stdin = None,
        data = [],
        tags = [],
        compilation_mode = ""):
    """Firmware `name` for the configured board, plus for each board B:
    `name_B` (the ELF, `bazel run` boots it), `name_B_test` (qemu_test
    with `expect`, `exit_code`, `timeout_s`, `qemu_args`, `stdin`, `data`)
    and `name_B_size` (size report). `compilation_mode` pins the boards'
    builds to one mode (see tern_binary)."""
    tern_binary(
        name = name,
        deps = deps,
        target_compatible_with = ["@platforms//os:none"],
        tags = tags,
    )
    for b in boards:
        tern_binary(
            name = name + "_" + b,
            deps = deps,
            board = BOARDS[b],
            compilation_mode = compilation_mode,
            tags = tags,
        )
        qemu_test(
            name = name + "_" + b + "_test",
            firmware = ":" + name + "_" + b,
            expect = expect,
            exit_code = exit_code,
            timeout_s = timeout_s,
            qemu_args = qemu_args,
            stdin = stdin,
            data = data,
            tags = tags + ["firmware"],
        )
        size_report(
            name = name + "_" + b + "_size",
            firmware = ":" + name + "_" + b,
            tags = tags,
        )

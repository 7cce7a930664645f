"""arm-none-eabi C toolchain configuration for Cortex-M cores.

One rule, instantiated once per core in BUILD. Everything is compiled for
size (-Os, one section per function and object) and linked against
newlib-nano with --gc-sections, which is what a microcontroller product
ships.
"""

load(
    "@bazel_tools//tools/cpp:cc_toolchain_config_lib.bzl",
    "feature",
    "flag_group",
    "flag_set",
    "tool_path",
)
load("@bazel_tools//tools/build_defs/cc:action_names.bzl", "ACTION_NAMES")

_COMPILE_ACTIONS = [
    ACTION_NAMES.assemble,
    ACTION_NAMES.preprocess_assemble,
    ACTION_NAMES.c_compile,
    ACTION_NAMES.cpp_compile,
    ACTION_NAMES.cpp_header_parsing,
    ACTION_NAMES.cpp_module_compile,
]

_C_COMPILE_ACTIONS = [ACTION_NAMES.c_compile]

_CXX_COMPILE_ACTIONS = [
    ACTION_NAMES.cpp_compile,
    ACTION_NAMES.cpp_header_parsing,
]

_LINK_ACTIONS = [
    ACTION_NAMES.cpp_link_executable,
    ACTION_NAMES.cpp_link_dynamic_library,
    ACTION_NAMES.cpp_link_nodeps_dynamic_library,
]

_GCC_VERSION = "12.2.1"

def _impl(ctx):
    arch_flags = ["-mcpu=" + ctx.attr.cpu, "-mthumb"] + ctx.attr.fpu_flags

    tools = [
        tool_path(name = "gcc", path = "/usr/bin/arm-none-eabi-gcc"),
        tool_path(name = "ld", path = "/usr/bin/arm-none-eabi-ld"),
        tool_path(name = "ar", path = "/usr/bin/arm-none-eabi-ar"),
        tool_path(name = "cpp", path = "/usr/bin/arm-none-eabi-cpp"),
        tool_path(name = "gcov", path = "/usr/bin/arm-none-eabi-gcov"),
        tool_path(name = "nm", path = "/usr/bin/arm-none-eabi-nm"),
        tool_path(name = "objcopy", path = "/usr/bin/arm-none-eabi-objcopy"),
        tool_path(name = "objdump", path = "/usr/bin/arm-none-eabi-objdump"),
        tool_path(name = "strip", path = "/usr/bin/arm-none-eabi-strip"),
    ]

    default_compile = feature(
        name = "default_compile_flags",
        enabled = True,
        flag_sets = [
            flag_set(
                actions = _COMPILE_ACTIONS,
                flag_groups = [flag_group(flags = arch_flags + [
                    "-Os",
                    "-g",
                    "-ffunction-sections",
                    "-fdata-sections",
                    "-fno-common",
                    # Reproducible objects: no absolute dates in the binary.
                    "-Wno-builtin-macro-redefined",
                    "-D__DATE__=\"redacted\"",
                    "-D__TIMESTAMP__=\"redacted\"",
                    "-D__TIME__=\"redacted\"",
                ])],
            ),
            flag_set(
                actions = _C_COMPILE_ACTIONS,
                flag_groups = [flag_group(flags = ["-std=gnu11"])],
            ),
            flag_set(
                actions = _CXX_COMPILE_ACTIONS,
                flag_groups = [flag_group(flags = [
                    "-std=gnu++17",
                    "-fno-exceptions",
                    "-fno-rtti",
                ])],
            ),
        ],
    )

    default_link = feature(
        name = "default_link_flags",
        enabled = True,
        flag_sets = [
            flag_set(
                actions = _LINK_ACTIONS,
                flag_groups = [flag_group(flags = arch_flags + [
                    "--specs=nano.specs",
                    "--specs=nosys.specs",
                    "-nostartfiles",
                    "-Wl,--gc-sections",
                    "-Wl,--no-warn-rwx-segments",
                ])],
            ),
        ],
    )

    # The flags a user sets on the command line (--copt, --linkopt) and the
    # per-target copts/linkopts reach the compiler through these.
    user_compile = feature(
        name = "user_compile_flags",
        enabled = True,
        flag_sets = [flag_set(
            actions = _COMPILE_ACTIONS,
            flag_groups = [flag_group(
                expand_if_available = "user_compile_flags",
                iterate_over = "user_compile_flags",
                flags = ["%{user_compile_flags}"],
            )],
        )],
    )

    # -c opt: assertions and the executor's debug checks compiled out
    # (every build is -Os already).
    opt = feature(
        name = "opt",
        flag_sets = [flag_set(
            actions = _COMPILE_ACTIONS,
            flag_groups = [flag_group(flags = ["-DNDEBUG"])],
        )],
    )
    dbg = feature(name = "dbg")

    return cc_common.create_cc_toolchain_config_info(
        ctx = ctx,
        toolchain_identifier = "arm-none-eabi-" + ctx.attr.cpu,
        host_system_name = "x86_64-unknown-linux-gnu",
        target_system_name = "arm-none-eabi",
        target_cpu = ctx.attr.cpu,
        target_libc = "newlib-nano",
        compiler = "gcc",
        abi_version = "eabi",
        abi_libc_version = "newlib",
        tool_paths = tools,
        features = [default_compile, default_link, user_compile, opt, dbg],
        cxx_builtin_include_directories = [
            "/usr/lib/gcc/arm-none-eabi/" + _GCC_VERSION + "/include",
            "/usr/lib/gcc/arm-none-eabi/" + _GCC_VERSION + "/include-fixed",
            "/usr/lib/arm-none-eabi/include",
            "/usr/include/newlib",
        ],
    )

arm_none_eabi_toolchain_config = rule(
    implementation = _impl,
    attrs = {
        "cpu": attr.string(mandatory = True),
        "fpu_flags": attr.string_list(default = []),
    },
    provides = [CcToolchainConfigInfo],
)

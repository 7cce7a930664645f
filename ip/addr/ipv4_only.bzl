"""IPv4-only builds of single targets (see README.md, "IPv4-only builds").

`--config=ipv4only` (tern.bazelrc) builds everything IPv4-only. These build
one target IPv4-only from any configuration, so a plain `bazel test //...` runs
tests of both builds:

- `IPV6_FLAG` is the build setting a transition sets false
  (platforms/firmware.bzl's tern_binary does for `ipv4_only = True`).
- `ipv4_only_test` runs a cc_test built IPv4-only.
"""

# The switch (toolchains/local/tern_config): a label that means the same in
# tern's workspace and in one that uses tern.
IPV6_FLAG = "@tern_config//:ipv6"

def _ipv4_only_transition_impl(settings, attr):
    return {IPV6_FLAG: False}

_ipv4_only_transition = transition(
    implementation = _ipv4_only_transition_impl,
    inputs = [],
    outputs = [IPV6_FLAG],
)

def _ipv4_only_test_impl(ctx):
    test = ctx.attr.test[0][DefaultInfo]
    exe = ctx.actions.declare_file(ctx.label.name)
    ctx.actions.symlink(
        output = exe,
        target_file = test.files_to_run.executable,
        is_executable = True,
    )
    return [DefaultInfo(
        executable = exe,
        runfiles = ctx.runfiles(files = [exe]).merge(test.default_runfiles),
    )]

# The test binary `test` (a cc_test, tagged "manual" if it should not also
# run as it is) built IPv4-only, run as this test: its own `args` and
# `env` are not carried over (give them here).
ipv4_only_test = rule(
    implementation = _ipv4_only_test_impl,
    test = True,
    attrs = {
        "test": attr.label(
            mandatory = True,
            executable = True,
            cfg = _ipv4_only_transition,
        ),
        "_allowlist_function_transition": attr.label(
            default = "@bazel_tools//tools/allowlists/function_transition_allowlist",
        ),
    },
)

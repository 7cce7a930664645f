"""host_only(): a target_compatible_with value for host-only targets (tests,
benchmarks, drivers for Linux), so `bazel build --config=microbit //pkg:all`
skips them instead of failing."""

def host_only():
    return select({
        "//platforms:is_bare_metal": ["@platforms//:incompatible"],
        "//conditions:default": [],
    })

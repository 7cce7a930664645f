"""host_only(): a target_compatible_with value for host-only targets (tests,
benchmarks, drivers for Linux), so `bazel build --config=microbit //pkg:all`
skips them instead of failing."""

# A Label: a string would name a target of whichever workspace calls this.
_BARE_METAL = str(Label("//platforms:is_bare_metal"))

def host_only():
    return select({
        _BARE_METAL: ["@platforms//:incompatible"],
        "//conditions:default": [],
    })

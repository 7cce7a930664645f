"""A boolean build setting: what Skylib's bool_flag does, in a few lines
(Bazel 4 here has no Skylib)."""

def _bool_flag_impl(ctx):
    return []

bool_flag = rule(
    implementation = _bool_flag_impl,
    build_setting = config.bool(flag = True),
)

"""What every Cortex-M board package declares the same way."""

# Labels, not strings: a string in a macro names a target of the workspace
# that calls it, and a board package may live in another workspace.
_NVIC = Label("//platforms/cortex_m:nvic")
_PORT = Label("//platforms/cortex_m:port")
_TEST_TIMER_API = Label("//platforms/cortex_m:test_timer_api")
_PLATFORMS_PACKAGES = str(Label("//platforms:__subpackages__"))

def cortex_m_board_port(board):
    """The board's executor port and its port-test helpers.

    Declares `port` (the shared Cortex-M port with this board's timer in
    clock.c; see platforms/cortex_m/README.md), `port_short_period` (the
    same with a 300 ms clock period, so a test sees the counter wrap) and
    `test_timer` (a spare timer interrupt for the port's firmware tests,
    test_timer.c).

    Args:
      board: the board's constraint, e.g. "//platforms:board_microbit".

    The test helpers are visible to tern's //platforms packages (the
    shared port tests in //platforms/cortex_m/tests) and to the calling
    package and those below it.
    """
    test_vis = [
        _PLATFORMS_PACKAGES,
        "//%s:__subpackages__" % native.package_name(),
    ]
    for name, defines, vis in [
        ("port", [], None),
        ("port_short_period", ["TERN_CM_CLOCK_PERIOD_MS=300u"], test_vis),
    ]:
        native.cc_library(
            name = name,
            srcs = ["clock.c"],
            local_defines = defines,
            target_compatible_with = [board],
            visibility = vis,
            deps = [
                _NVIC,
                _PORT,
            ],
        )
    native.cc_library(
        name = "test_timer",
        srcs = ["test_timer.c"],
        target_compatible_with = [board],
        visibility = test_vis,
        deps = [
            _NVIC,
            _TEST_TIMER_API,
        ],
    )

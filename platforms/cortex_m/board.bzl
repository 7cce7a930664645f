"""What every Cortex-M board package declares the same way."""

def cortex_m_board_port(board):
    """The board's executor port and its port-test helpers.

    Declares `port` (the shared Cortex-M port with this board's timer in
    clock.c; see platforms/cortex_m/README.md), `port_short_period` (the
    same with a 300 ms clock period, so a test sees the counter wrap) and
    `test_timer` (a spare timer interrupt for the port's firmware tests,
    test_timer.c).

    Args:
      board: the board's constraint, e.g. "//platforms:board_microbit".
    """
    for name, defines, vis in [
        ("port", [], None),
        ("port_short_period", ["TERN_CM_CLOCK_PERIOD_MS=300u"], ["//platforms:__subpackages__"]),
    ]:
        native.cc_library(
            name = name,
            srcs = ["clock.c"],
            local_defines = defines,
            target_compatible_with = [board],
            visibility = vis,
            deps = [
                "//platforms/cortex_m:nvic",
                "//platforms/cortex_m:port",
            ],
        )
    native.cc_library(
        name = "test_timer",
        srcs = ["test_timer.c"],
        target_compatible_with = [board],
        visibility = ["//platforms:__subpackages__"],
        deps = [
            "//platforms/cortex_m:nvic",
            "//platforms/cortex_m:test_timer_api",
        ],
    )

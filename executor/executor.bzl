"""The executor compiled for one port.

The run queue and run loop (executor.c), the waker slots (poll.c) and the
wait queue (waitq.c) enter the port's critical section on every wake,
every registration and every batch. So that this costs no call, a port provides the section inline in
its own "tern/port_critical.h" (see tern/port.h), and these sources are
compiled once per port against it. Each port's `port` target links its
copy; a program depends on //executor for the headers and on exactly one
port.
"""

# Labels, not strings: a string in a macro names a target of the workspace
# that calls it, and a port may live in another workspace.
_EXECUTOR = Label("//executor")
_EXECUTOR_CORE = Label("//executor:core")
_EXECUTOR_PORT = Label("//executor:port")
_EXECUTOR_SRCS = [
    Label("//executor:executor.c"),
    Label("//executor:timer.c"),
    Label("//executor:poll.c"),
    Label("//executor:waitq.c"),
]

def tern_port(name, critical_hdr, port_impl, critical_deps = [], target_compatible_with = None, **kwargs):
    """The targets every port declares, in its package.

    `critical` (the port's tern/port_critical.h), `executor` (the executor
    compiled against it) and `name`, what a program links: the executor and
    the port's own functions.

    Args:
      name: the target programs link (the ports use "port").
      critical_hdr: the port's port_critical.h.
      port_impl: the cc_library with the port's tern/port.h functions.
      critical_deps: what the header includes besides tern/port.h.
      target_compatible_with: for all three targets.
      **kwargs: passed to the `name` target (visibility, say).
    """
    native.cc_library(
        name = "critical",
        hdrs = [critical_hdr],
        include_prefix = "tern",
        target_compatible_with = target_compatible_with,
        visibility = ["//visibility:private"],
        deps = critical_deps + [_EXECUTOR_PORT],
    )
    # The executor's own sources, compiled against this port's header;
    # port_impl is a dependency so that it links after the code calling it.
    native.cc_library(
        name = "executor",
        srcs = _EXECUTOR_SRCS,
        # Whole: libraries that only depend on //executor:core (the waker
        # slots' and wait queue's headers) may come after this one on the
        # link line.
        # --gc-sections still drops what a firmware does not call.
        alwayslink = True,
        target_compatible_with = target_compatible_with,
        visibility = ["//visibility:private"],
        deps = [
            ":critical",
            port_impl,
            _EXECUTOR,
            _EXECUTOR_CORE,
        ],
    )
    native.cc_library(
        name = name,
        target_compatible_with = target_compatible_with,
        deps = [
            ":executor",
            port_impl,
        ],
        **kwargs
    )

"""tern_fuzz_test: one libFuzzer target per parser, run by every test pass.

Plain `bazel test` builds the target with gcc and a small driver that runs
every seed in the corpus once (a regression test). `bazel test
--config=fuzz` builds it with clang and libFuzzer and fuzzes for a bounded
time (TERN_FUZZ_SECONDS, default 10) starting from the corpus.
"""

# Labels, not strings: a string in a macro names a target of the workspace
# that calls it, and this macro is called from other workspaces too.
_LIBFUZZER = str(Label("//toolchains:libfuzzer"))
_STANDALONE_MAIN = Label("//toolchains/fuzz:standalone_main")
_RUN_FUZZ = Label("//toolchains/fuzz:run_fuzz.sh")

def tern_fuzz_test(name, srcs, deps, corpus, tags = [], **kwargs):
    native.cc_binary(
        name = name + "_bin",
        srcs = srcs,
        testonly = True,
        deps = deps + select({
            _LIBFUZZER: [],
            "//conditions:default": [_STANDALONE_MAIN],
        }),
        linkopts = select({
            _LIBFUZZER: ["-fsanitize=fuzzer"],
            "//conditions:default": [],
        }),
        tags = tags,
    )
    native.filegroup(
        name = name + "_corpus",
        srcs = corpus,
        testonly = True,
    )
    native.sh_test(
        name = name,
        srcs = [_RUN_FUZZ],
        args = [
            "$(location :%s_bin)" % name,
            "$(locations :%s_corpus)" % name,
        ],
        data = [
            ":" + name + "_bin",
            ":" + name + "_corpus",
        ],
        tags = tags + ["fuzz"],
        **kwargs
    )

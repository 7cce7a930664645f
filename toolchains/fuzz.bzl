"""tern_fuzz_test: one libFuzzer target per parser, run by every test pass.

Plain `bazel test` builds the target with gcc and a small driver that runs
every seed in the corpus once (a regression test). `bazel test
--config=fuzz` builds it with clang and libFuzzer and fuzzes for a bounded
time (TERN_FUZZ_SECONDS, default 10) starting from the corpus.
"""

def tern_fuzz_test(name, srcs, deps, corpus, tags = [], **kwargs):
    native.cc_binary(
        name = name + "_bin",
        srcs = srcs,
        testonly = True,
        deps = deps + select({
            "//toolchains:libfuzzer": [],
            "//conditions:default": ["//toolchains/fuzz:standalone_main"],
        }),
        linkopts = select({
            "//toolchains:libfuzzer": ["-fsanitize=fuzzer"],
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
        srcs = ["//toolchains/fuzz:run_fuzz.sh"],
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

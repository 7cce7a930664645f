# Bazel 4 ships the C++ rules natively; this stand-in for rules_cc re-exports
# them so nothing has to be downloaded.
cc_binary = native.cc_binary
cc_import = native.cc_import
cc_library = native.cc_library
cc_test = native.cc_test
cc_toolchain = native.cc_toolchain
cc_toolchain_suite = native.cc_toolchain_suite

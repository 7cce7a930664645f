/* A main() for fuzz targets built without libFuzzer: feeds every file named
 * on the command line (or found in a directory named there) to
 * LLVMFuzzerTestOneInput once. Arguments starting with '-' are libFuzzer
 * options and are ignored, so one command line serves both builds. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    perror(path);
    return 1;
  }
  static uint8_t buf[1 << 20];
  size_t n = fread(buf, 1, sizeof buf, f);
  fclose(f);
  /* A copy of exactly n bytes, so the sanitizers catch reads past it. */
  uint8_t *copy = malloc(n ? n : 1);
  if (copy == NULL) {
    return 1;
  }
  memcpy(copy, buf, n);
  LLVMFuzzerTestOneInput(copy, n);
  free(copy);
  return 0;
}

static int run_path(const char *path, int *count) {
  struct stat st;
  if (stat(path, &st) != 0) {
    perror(path);
    return 1;
  }
  if (!S_ISDIR(st.st_mode)) {
    ++*count;
    return run_file(path);
  }
  DIR *d = opendir(path);
  if (d == NULL) {
    perror(path);
    return 1;
  }
  int rc = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') {
      continue;
    }
    char child[4096];
    snprintf(child, sizeof child, "%s/%s", path, e->d_name);
    rc |= run_path(child, count);
  }
  closedir(d);
  return rc;
}

int main(int argc, char **argv) {
  int rc = 0, count = 0;
  for (int i = 1; i < argc; i++) {
    if (argv[i][0] != '-') {
      rc |= run_path(argv[i], &count);
    }
  }
  printf("standalone fuzz driver: ran %d inputs\n", count);
  return rc != 0 || count == 0;
}

/*
 * replay.c: a main() for every fuzz target: runs LLVMFuzzerTestOneInput on
 * each file of the corpus folders given, printing one "ok" line per file,
 * so the corpora are replayed (under ASan+UBSan in CI) by make test.
 */
#include "fuzz.h"

#include <dirent.h>
#include <sys/stat.h>

static int
by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int
run_file(const char *path, const char *label)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		printf("not ok %s (cannot open)\n", label);
		return 1;
	}
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
	size_t got = fread(buf, 1, (size_t)n, f);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, got);
	free(buf);
	printf("ok %s\n", label);
	return 0;
}

int
main(int argc, char **argv)
{
	int pass = 0, fail = 0;
	for (int a = 1; a < argc; a++) {
		struct dirent **ents;
		int n = scandir(argv[a], &ents, NULL, by_name);
		if (n < 0) {
			printf("not ok replay %s (no corpus)\n", argv[a]);
			fail++;
			continue;
		}
		const char *base = strrchr(argv[a], '/');
		base = base ? base + 1 : argv[a];
		for (int i = 0; i < n; i++) {
			char path[4096], label[4300];
			struct stat st;
			snprintf(path, sizeof(path), "%s/%s", argv[a],
			    ents[i]->d_name);
			if (ents[i]->d_name[0] != '.' && stat(path, &st) == 0 &&
			    S_ISREG(st.st_mode)) {
				snprintf(label, sizeof(label), "replay/%s/%s",
				    base, ents[i]->d_name);
				if (run_file(path, label))
					fail++;
				else
					pass++;
			}
			free(ents[i]);
		}
		free(ents);
	}
	printf("%d passed, %d failed\n", pass, fail);
	return fail ? 1 : 0;
}

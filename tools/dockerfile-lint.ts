/**
 * Lints a Dockerfile with BuildKit's own checks (the ones `docker build --check` runs), without a Docker engine:
 * a small Go program, built from the Go module proxy like the test harness's other binaries, runs
 * dockerfile2llb.DockerfileLint with an image resolver that answers every base image with a minimal linux/amd64
 * config instead of asking a registry.
 *
 *   npx node tools/dockerfile-lint.ts [Dockerfile]   (exit 0: clean; 1: warnings or a build error; JSON on stdout)
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ensureGoBinaries, type GoBuildRecipe, writeModuleFile } from '../tests/harness/go-build.ts';
import { repoRoot } from '../tests/harness/paths.ts';

export const buildkitVersion = 'v0.34.2';
/** Bump when the Go program below changes: the cache key names the binary. */
const programRevision = 2;

const mainGo = `package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	digest "github.com/opencontainers/go-digest"
)

// offlineResolver answers every base image with a minimal config: the checks need no registry.
type offlineResolver struct{}

func (offlineResolver) ResolveImageConfig(_ context.Context, ref string, _ sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	config := []byte(\`{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]}}\`)
	return ref, digest.FromBytes([]byte(ref)), config, nil
}

type warning struct {
	Rule    string \`json:"rule"\`
	Message string \`json:"message"\`
	Line    int32  \`json:"line"\`
	URL     string \`json:"url"\`
}

type report struct {
	Warnings []warning \`json:"warnings"\`
	Error    string    \`json:"error,omitempty"\`
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: dockerfile-lint DOCKERFILE")
		os.Exit(2)
	}
	path := os.Args[1]
	data, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	sourceMap := llb.NewSourceMap(nil, path, "Dockerfile", data)
	sourceMap.Definition = &llb.Definition{}
	results, err := dockerfile2llb.DockerfileLint(context.Background(), data, dockerfile2llb.ConvertOpt{
		MetaResolver: offlineResolver{},
		SourceMap:    sourceMap,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	out := report{Warnings: []warning{}}
	for _, w := range results.Warnings {
		line := int32(0)
		if len(w.Location.Ranges) > 0 {
			line = w.Location.Ranges[0].Start.Line
		}
		out.Warnings = append(out.Warnings, warning{Rule: w.RuleName, Message: w.Detail, Line: line, URL: w.URL})
	}
	if results.Error != nil {
		out.Error = results.Error.Message
	}
	encoded, _ := json.MarshalIndent(out, "", "  ")
	fmt.Println(string(encoded))
	if len(out.Warnings) > 0 || out.Error != "" {
		os.Exit(1)
	}
}
`;

const lintRecipe: GoBuildRecipe = {
  key: `dockerfile-lint-${programRevision}-buildkit-${buildkitVersion}`,
  async prepare(moduleDir) {
    writeModuleFile(
      moduleDir,
      'go.mod',
      `module pullguard.dev/dockerfile-lint\n\ngo 1.24.0\n\nrequire github.com/moby/buildkit ${buildkitVersion}\n`,
    );
    writeModuleFile(moduleDir, 'main.go', mainGo);
  },
  get: [`github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb@${buildkitVersion}`],
  packages: ['.'],
  binaries: ['dockerfile-lint'],
};

export interface DockerfileLintReport {
  warnings: { rule: string; message: string; line: number; url: string }[];
  error?: string;
}

/** The path of the lint binary, built on first use and cached by version. */
export async function ensureDockerfileLint(): Promise<string> {
  const paths = await ensureGoBinaries(lintRecipe);
  const binary = paths['dockerfile-lint'];
  if (!binary) throw new Error('the dockerfile-lint recipe did not list its binary');
  return binary;
}

export async function lintDockerfile(path = join(repoRoot, 'Dockerfile')): Promise<DockerfileLintReport> {
  const binary = await ensureDockerfileLint();
  const result = spawnSync(binary, [path], { encoding: 'utf8' });
  if (result.status !== 0 && result.status !== 1) {
    throw new Error(`dockerfile-lint failed (${result.status}): ${result.stderr}`);
  }
  return JSON.parse(result.stdout) as DockerfileLintReport;
}

if (import.meta.main) {
  const report = await lintDockerfile(process.argv[2]);
  console.log(JSON.stringify(report, null, 2));
  process.exitCode = report.warnings.length > 0 || report.error ? 1 : 0;
}

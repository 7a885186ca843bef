// compose-check loads Compose files with the Compose specification's own loader (compose-go, the
// library `docker compose` is built on: schema, interpolation, merge keys, consistency) and then
// checks that each file describes one Datawell trust domain that can run the life cycle (topology.go).
//
//	compose-check [--env-file FILE]... [--env NAME=VALUE]... FILE...
//
// Each FILE is one domain (its `x-datawell` block says which). Variables come only from --env-file
// and --env, never from the caller's environment or a .env file, so a check gives the same answer
// on every machine. Exit 0 with one line per file; exit 2 with one line on bad input (usage, a file
// the loader refuses, or a topology that cannot run).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/dotenv"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/sirupsen/logrus"
)

const usage = "usage: compose-check [--env-file FILE]... [--env NAME=VALUE]... FILE..."

func main() {
	// The loader logs warnings (an unset variable) through logrus; a missing required variable is
	// an error of its own, and the output stays the one line this command promises.
	logrus.SetOutput(io.Discard)
	lines, err := run(os.Args[1:])
	if err != nil {
		// One line: the loader's messages may span several.
		fmt.Fprintln(os.Stderr, "compose-check: "+strings.Join(strings.Fields(err.Error()), " "))
		os.Exit(2)
	}
	for _, line := range lines {
		fmt.Println(line)
	}
}

func run(args []string) ([]string, error) {
	env := map[string]string{}
	var files []string
	for i := 0; i < len(args); i++ {
		arg := args[i]
		switch {
		case arg == "--env-file" || arg == "--env":
			if i+1 >= len(args) {
				return nil, fmt.Errorf("%s needs a value; %s", arg, usage)
			}
			i++
			if arg == "--env" {
				name, value, ok := strings.Cut(args[i], "=")
				if !ok || name == "" {
					return nil, fmt.Errorf("--env %q is not NAME=VALUE", args[i])
				}
				env[name] = value
				continue
			}
			values, err := dotenv.GetEnvFromFile(env, []string{args[i]})
			if err != nil {
				return nil, fmt.Errorf("env file %s: %v", args[i], err)
			}
			for k, v := range values {
				env[k] = v
			}
		case arg == "-h" || arg == "--help":
			return nil, fmt.Errorf("%s", usage)
		case strings.HasPrefix(arg, "-"):
			return nil, fmt.Errorf("unknown option %s; %s", arg, usage)
		default:
			files = append(files, arg)
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no Compose file given; %s", usage)
	}
	var lines []string
	seen := map[string]string{}
	for _, file := range files {
		project, err := load(file, env)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", file, err)
		}
		domain, problems := checkTopology(project)
		if len(problems) > 0 {
			return nil, fmt.Errorf("%s: %s", file, strings.Join(problems, "; "))
		}
		if other, ok := seen[domain.Name]; ok {
			return nil, fmt.Errorf("%s: domain %s is already described by %s", file, domain.Name, other)
		}
		seen[domain.Name] = file
		lines = append(lines, fmt.Sprintf("compose-check: %s: %s domain %s, %d services: ok", file, domain.Kind, domain.Name, len(project.Services)))
	}
	return lines, nil
}

// load runs compose-go's loader as `docker compose config` does: schema validation, interpolation,
// normalisation and the consistency check (depends_on, networks, volumes and secrets that exist).
func load(file string, env map[string]string) (*types.Project, error) {
	if _, err := os.Stat(file); err != nil {
		return nil, fmt.Errorf("cannot read: %v", err)
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil, err
	}
	pairs := make([]string, 0, len(env))
	for k, v := range env {
		pairs = append(pairs, k+"="+v)
	}
	sort.Strings(pairs)
	options, err := cli.NewProjectOptions([]string{abs},
		cli.WithWorkingDirectory(filepath.Dir(abs)),
		cli.WithEnv(pairs),
		cli.WithInterpolation(true),
		cli.WithResolvedPaths(true),
		cli.WithNormalization(true),
		cli.WithConsistency(true),
	)
	if err != nil {
		return nil, err
	}
	return options.LoadProject(context.Background())
}

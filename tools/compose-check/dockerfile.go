package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// A stage of a multi-stage Dockerfile: its base (an image or an earlier stage) and instructions.
type stage struct {
	name         string
	base         string
	instructions [][2]string // keyword (upper case), arguments
}

// parseDockerfile splits a Dockerfile into stages. It reads the instructions this check needs
// (FROM, COPY, RUN); line continuations and comments as Docker reads them.
func parseDockerfile(text string) []stage {
	var stages []stage
	var logical []string
	current := ""
	for _, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") {
			continue
		}
		if strings.HasSuffix(trimmed, "\\") {
			current += strings.TrimSuffix(trimmed, "\\") + " "
			continue
		}
		current += trimmed
		if strings.TrimSpace(current) != "" {
			logical = append(logical, strings.TrimSpace(current))
		}
		current = ""
	}
	for _, line := range logical {
		keyword, rest, _ := strings.Cut(line, " ")
		keyword = strings.ToUpper(keyword)
		rest = strings.TrimSpace(rest)
		if keyword == "FROM" {
			fields := strings.Fields(rest)
			var flagless []string
			for _, f := range fields {
				if !strings.HasPrefix(f, "--") {
					flagless = append(flagless, f)
				}
			}
			s := stage{}
			if len(flagless) > 0 {
				s.base = flagless[0]
			}
			if len(flagless) == 3 && strings.EqualFold(flagless[1], "AS") {
				s.name = flagless[2]
			}
			stages = append(stages, s)
			continue
		}
		if len(stages) > 0 {
			stages[len(stages)-1].instructions = append(stages[len(stages)-1].instructions, [2]string{keyword, rest})
		}
	}
	return stages
}

func findStage(stages []stage, ref string) int {
	for i, s := range stages {
		if s.name != "" && strings.EqualFold(s.name, ref) {
			return i
		}
	}
	if len(ref) == 1 && ref[0] >= '0' && ref[0] <= '9' && int(ref[0]-'0') < len(stages) {
		return int(ref[0] - '0')
	}
	return -1
}

// chain is the stage and the earlier stages it is built FROM, nearest first.
func chain(stages []stage, i int) []stage {
	var out []stage
	for i >= 0 && len(out) <= len(stages) {
		out = append(out, stages[i])
		i = findStage(stages[:i], stages[i].base)
	}
	return out
}

// copyArgs reads COPY's flags, sources and destination (shell or JSON form).
func copyArgs(rest string) (flags map[string]string, sources []string, dest string) {
	flags = map[string]string{}
	fields := strings.Fields(rest)
	for len(fields) > 0 && strings.HasPrefix(fields[0], "--") {
		k, v, _ := strings.Cut(strings.TrimPrefix(fields[0], "--"), "=")
		flags[k] = v
		fields = fields[1:]
	}
	args := fields
	if joined := strings.Join(fields, " "); strings.HasPrefix(joined, "[") {
		var list []string
		if json.Unmarshal([]byte(joined), &list) == nil {
			args = list
		}
	}
	if len(args) < 2 {
		return flags, nil, ""
	}
	return flags, args[:len(args)-1], args[len(args)-1]
}

// buildsTofu says whether a stage chain builds OpenTofu's ./cmd/tofu into the file src.
func buildsTofu(stages []stage, src string) bool {
	for _, s := range stages {
		for _, in := range s.instructions {
			if in[0] == "RUN" && strings.Contains(in[1], "cmd/tofu") && strings.Contains(in[1], "-o "+src) {
				return true
			}
		}
	}
	return false
}

// checkTofu returns why a provisioner's image would lack the tofu binary its settings name, or "".
func checkTofu(s types.ServiceConfig) string {
	binary := env(s, varTofuBinary)
	if !path.IsAbs(binary) {
		return fmt.Sprintf("%s must be the absolute path of tofu in its image (is %q)", varTofuBinary, binary)
	}
	if s.Build == nil {
		return fmt.Sprintf("image %s has no build in this file, so nothing shows it has %s", s.Image, binary)
	}
	text := s.Build.DockerfileInline
	where := "the inline Dockerfile"
	if text == "" {
		file := s.Build.Dockerfile
		if file == "" {
			file = "Dockerfile"
		}
		if !filepath.IsAbs(file) {
			file = filepath.Join(s.Build.Context, file)
		}
		raw, err := os.ReadFile(file)
		if err != nil {
			return fmt.Sprintf("cannot read its Dockerfile: %v", err)
		}
		text, where = string(raw), filepath.Base(file)
	}
	stages := parseDockerfile(text)
	if len(stages) == 0 {
		return fmt.Sprintf("%s has no FROM", where)
	}
	target := len(stages) - 1
	if s.Build.Target != "" {
		if target = findStage(stages, s.Build.Target); target < 0 {
			return fmt.Sprintf("%s has no stage %q", where, s.Build.Target)
		}
	}
	for _, st := range chain(stages, target) {
		for _, in := range st.instructions {
			if in[0] != "COPY" {
				continue
			}
			flags, sources, dest := copyArgs(in[1])
			from, ok := flags["from"]
			if !ok {
				continue
			}
			for _, src := range sources {
				if dest != binary && !(strings.HasSuffix(dest, "/") && dest+path.Base(src) == binary) {
					continue
				}
				if i := findStage(stages, from); i >= 0 && buildsTofu(chain(stages, i), src) {
					return ""
				}
			}
		}
	}
	name := s.Build.Target
	if name == "" {
		name = "(last stage)"
	}
	return fmt.Sprintf("no OpenTofu in its image: stage %s of %s copies no tofu built from ./cmd/tofu to %s=%s", name, where, varTofuBinary, binary)
}

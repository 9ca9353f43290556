//go:build unix

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"
)

// docBlock returns the one fenced block of kind lang in docs/container.md.
func docBlock(t *testing.T, doc, lang string) string {
	t.Helper()
	m := regexp.MustCompile("(?s)```"+lang+"\n(.*?)```").FindAllStringSubmatch(doc, -1)
	if len(m) != 1 {
		t.Fatalf("docs/container.md has %d ```%s blocks, want 1", len(m), lang)
	}
	return m[0][1]
}

// job is what TestContainerDoc reads of the Kubernetes Job manifest.
type job struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Spec       struct {
		Template struct {
			Spec struct {
				RestartPolicy                 string `json:"restartPolicy"`
				TerminationGracePeriodSeconds *int64 `json:"terminationGracePeriodSeconds"`
				Containers                    []struct {
					Command []string `json:"command"`
					Args    []string `json:"args"`
					TTY     bool     `json:"tty"`
					Stdin   bool     `json:"stdin"`
					Env     []struct {
						Name  string `json:"name"`
						Value string `json:"value"`
					} `json:"env"`
					VolumeMounts []struct {
						Name      string `json:"name"`
						MountPath string `json:"mountPath"`
					} `json:"volumeMounts"`
				} `json:"containers"`
				Volumes []struct {
					Name                  string `json:"name"`
					PersistentVolumeClaim *struct {
						ClaimName string `json:"claimName"`
					} `json:"persistentVolumeClaim"`
					Secret *struct {
						SecretName string `json:"secretName"`
					} `json:"secret"`
				} `json:"volumes"`
			} `json:"spec"`
		} `json:"template"`
	} `json:"spec"`
}

// TestContainerDoc checks what docs/container.md tells a platform team: the
// Dockerfile's ENTRYPOINT is a working conflog run (run here for real, with
// the store in a temporary directory), and the Kubernetes Job runs the job
// behind it without a tty, gives it longer than --grace to stop, and keeps
// the private store on a persistent volume.
func TestContainerDoc(t *testing.T) {
	b, err := os.ReadFile("../../docs/container.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)

	// The Dockerfile: the binary copied from the build stage, the gate as
	// the entrypoint, the job after its "--".
	dockerfile := docBlock(t, doc, "dockerfile")
	if !strings.Contains(dockerfile, "COPY --from=conflog /go/bin/conflog /usr/local/bin/conflog\n") {
		t.Errorf("the Dockerfile does not copy the binary from the build stage")
	}
	m := regexp.MustCompile(`(?m)^ENTRYPOINT (\[.*\])$`).FindStringSubmatch(dockerfile)
	if m == nil {
		t.Fatal("no exec-form ENTRYPOINT in the Dockerfile")
	}
	var entry []string
	if err := json.Unmarshal([]byte(m[1]), &entry); err != nil {
		t.Fatalf("ENTRYPOINT %s: %v", m[1], err)
	}
	if len(entry) < 3 || entry[0] != "conflog" || entry[1] != "run" || entry[len(entry)-1] != "--" || !slices.Contains(entry, "--strict") {
		t.Fatalf("ENTRYPOINT %q: want conflog run --strict … --", entry)
	}
	grace := 5 * time.Second
	storeDir := ""
	for i, a := range entry[:len(entry)-1] {
		switch a {
		case "--grace":
			if grace, err = time.ParseDuration(entry[i+1]); err != nil {
				t.Fatalf("--grace %q: %v", entry[i+1], err)
			}
		case "--private":
			storeDir = strings.TrimPrefix(entry[i+1], "store:")
		}
	}
	if storeDir == "" || !filepath.IsAbs(storeDir) {
		t.Fatalf("ENTRYPOINT %q: want --private store:/ABSOLUTE/DIR", entry)
	}

	// Run the entrypoint for real, its store moved to a temporary
	// directory and its keys given as the manifest gives them.
	tmp := t.TempDir()
	keys := filepath.Join(tmp, "keys")
	if _, stderr, code := gateRun(t, "keygen", keys); code != 0 {
		t.Fatalf("keygen: %s", stderr)
	}
	recipient, err := os.ReadFile(filepath.Join(keys, "recipient"))
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("CONFLOG_STORE_RECIPIENT", strings.TrimSpace(string(recipient)))
	t.Setenv("CONFLOG_STORE_SIGNER", filepath.Join(keys, "signer"))
	args := slices.Clone(entry[1:])
	args[slices.Index(args, "store:"+storeDir)] = "store:" + filepath.Join(tmp, "store")
	args = append(args, "python3", "-c", `print("SystemLog: hello from the container"); print("row 17: alice")`)
	stdout, stderr, code := gateRun(t, args...)
	if code != 0 || !strings.Contains(stderr, "SystemLog: conflog run: exit=0 ") || strings.Contains(stdout+stderr, "alice") {
		t.Errorf("the entrypoint: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}

	// The Job.
	var j job
	if err := yaml.Unmarshal([]byte(docBlock(t, doc, "yaml")), &j); err != nil {
		t.Fatalf("the Job manifest does not parse: %v", err)
	}
	spec := j.Spec.Template.Spec
	if j.APIVersion != "batch/v1" || j.Kind != "Job" || spec.RestartPolicy != "Never" || len(spec.Containers) != 1 {
		t.Fatalf("want one container in a batch/v1 Job that is never restarted in place: %+v", j)
	}
	c := spec.Containers[0]
	if c.Command != nil || len(c.Args) == 0 {
		t.Errorf("the job must be given as args (after the entrypoint's --), never as command, which replaces the gate")
	}
	if c.TTY || c.Stdin {
		t.Errorf("the manifest asks for tty: %v, stdin: %v", c.TTY, c.Stdin)
	}
	if p := spec.TerminationGracePeriodSeconds; p == nil || time.Duration(*p)*time.Second < grace+10*time.Second {
		t.Errorf("terminationGracePeriodSeconds must exceed --grace %v by 10s at least", grace)
	}
	volume := func(path string) (name string) {
		for _, m := range c.VolumeMounts {
			if strings.HasPrefix(path, strings.TrimSuffix(m.MountPath, "/")+"/") {
				name = m.Name
			}
		}
		return name
	}
	pvc, secret := map[string]bool{}, map[string]bool{}
	for _, v := range spec.Volumes {
		pvc[v.Name] = v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ClaimName != ""
		secret[v.Name] = v.Secret != nil && v.Secret.SecretName != ""
	}
	if !pvc[volume(storeDir)] {
		t.Errorf("the private store %s is not on a persistent volume claim", storeDir)
	}
	for _, e := range c.Env {
		if e.Name == "CONFLOG_STORE_SIGNER" && !secret[volume(e.Value)] {
			t.Errorf("the signer %s is not on a Secret volume", e.Value)
		}
	}
}

// k8s-strict decodes rendered Kubernetes manifests into the Kubernetes API's own Go types the
// way the API server's strict field validation does (kubectl --validate=strict): unknown or
// duplicate fields and wrong types are errors. It complements the JSON-schema check in
// scripts/validate-manifests.ts, whose schemas accept unknown fields. Kinds outside the
// built-in API (CRDs such as ScaledObject or ServiceMonitor) are reported as skipped.
//
// Usage: k8s-strict FILE... (multi-document YAML). Exit 1 when any document fails.
package main

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"k8s.io/apimachinery/pkg/runtime/schema"
	serializerjson "k8s.io/apimachinery/pkg/runtime/serializer/json"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/yaml"
)

type typeMeta struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
}

func main() {
	strict := serializerjson.NewSerializerWithOptions(
		serializerjson.DefaultMetaFactory, scheme.Scheme, scheme.Scheme,
		serializerjson.SerializerOptions{Yaml: true, Strict: true},
	)
	failed, checked, skipped := 0, 0, 0
	for _, file := range os.Args[1:] {
		data, err := os.ReadFile(file)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		reader := utilyaml.NewYAMLReader(bufioReader(data))
		for {
			doc, err := reader.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				fmt.Fprintf(os.Stderr, "%s: %v\n", file, err)
				os.Exit(2)
			}
			if len(bytes.TrimSpace(stripComments(doc))) == 0 {
				continue
			}
			var meta typeMeta
			if err := yaml.Unmarshal(doc, &meta); err != nil {
				fmt.Printf("FAIL %s: not YAML: %v\n", file, err)
				failed++
				continue
			}
			gvk := schema.FromAPIVersionAndKind(meta.APIVersion, meta.Kind)
			name := fmt.Sprintf("%s %s/%s", file, meta.Kind, meta.Metadata.Name)
			if !scheme.Scheme.Recognizes(gvk) {
				fmt.Printf("skip %s (%s: not a built-in kind)\n", name, meta.APIVersion)
				skipped++
				continue
			}
			if _, _, err := strict.Decode(doc, &gvk, nil); err != nil {
				fmt.Printf("FAIL %s: %v\n", name, err)
				failed++
				continue
			}
			checked++
		}
	}
	fmt.Printf("k8s-strict: %d checked, %d failed, %d skipped (custom resources)\n", checked, failed, skipped)
	if failed > 0 {
		os.Exit(1)
	}
}

func stripComments(doc []byte) []byte {
	var out [][]byte
	for _, line := range bytes.Split(doc, []byte("\n")) {
		if t := bytes.TrimSpace(line); len(t) > 0 && t[0] == '#' {
			continue
		}
		out = append(out, line)
	}
	return bytes.Join(out, []byte("\n"))
}

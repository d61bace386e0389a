package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/gpunet/gpunet/runtime/docker"
)

// resolveImage returns ref pinned: an image ID (sha256:…) or a digest
// reference (repo@sha256:…) as it is, a tag as the ID of the local image it
// names, asked of the Docker engine.
func resolveImage(ctx context.Context, ref string) (string, error) {
	if strings.HasPrefix(ref, "sha256:") || strings.Contains(ref, "@sha256:") {
		return ref, nil
	}
	d, err := docker.New(docker.DefaultConfig())
	if err != nil {
		return "", fmt.Errorf("--image %s: %w", ref, err)
	}
	defer d.Close()
	if err := d.Ping(ctx); err != nil {
		return "", fmt.Errorf("--image %s: a tag is resolved to its image ID by the Docker engine, and %w; start Docker, or pass the image ID (sha256:…) or repo@sha256:digest", ref, err)
	}
	id, err := d.ImageID(ctx, ref)
	if err != nil {
		return "", usageError{fmt.Errorf("--image: %w", err)}
	}
	return id, nil
}

// specWithImage returns the YAML (or JSON) spec with its image set, before
// the spec is validated: the file's own image may be a placeholder or a tag.
func specWithImage(data []byte, image string) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, errors.New("the spec is not a mapping of fields (name:, image:, ...)")
	}
	m := doc.Content[0]
	val := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: image}
	replaced := false
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == "image" {
			m.Content[i+1] = val
			replaced = true
		}
	}
	if !replaced {
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "image"}, val)
	}
	return yaml.Marshal(&doc)
}

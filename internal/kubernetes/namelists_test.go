// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package kubernetes

import (
	"context"
	"strings"
	"testing"

	"github.com/molecule-ai/terraform-provider-molecule/internal/workspace"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metadatafake "k8s.io/client-go/metadata/fake"
)

func partial(apiVersion, kind, name string, labels map[string]string) *metav1.PartialObjectMetadata {
	return &metav1.PartialObjectMetadata{
		TypeMeta:   metav1.TypeMeta{APIVersion: apiVersion, Kind: kind},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: DefaultNamespace, Labels: labels},
	}
}

// With a metadata client, the plan's name check reads the namespace's four
// name lists once for every workspace it judges, and judges them as the
// per-name reads do: a foreign holder, another workspace of ours with the
// same prefix, the workspace's own objects, free names. It makes no get.
func TestNameConflictFromTheSharedNameLists(t *testing.T) {
	scheme := metadatafake.NewTestScheme()
	if err := metav1.AddMetaToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	ours := workspace.OwnershipLabels("aaaaaaaaaaaaXYZ", workspace.RoleContainer)
	meta := metadatafake.NewSimpleMetadataClient(scheme,
		partial("v1", "Secret", "ws-0123456789ab-env", map[string]string{"app": "theirs"}),
		partial("apps/v1", "Deployment", "ws-aaaaaaaaaaaa", ours),
		partial("v1", "Service", "ws-aaaaaaaaaaaa", ours),
	)
	c, cs := fakeCluster()
	c.meta = meta
	ctx := context.Background()

	msg, owned, err := c.NameConflict(ctx, "0123456789abcdef")
	if err != nil || owned || !strings.Contains(msg, "Secret ws-0123456789ab-env") || !strings.Contains(msg, "not managed by this provider") {
		t.Errorf("foreign Secret: NameConflict = %q, %t, %v", msg, owned, err)
	}
	msg, owned, err = c.NameConflict(ctx, "aaaaaaaaaaaaQQQ")
	if err != nil || !owned || !strings.Contains(msg, "shares the first 12 characters") {
		t.Errorf("same prefix as a workspace of ours: NameConflict = %q, %t, %v", msg, owned, err)
	}
	for _, id := range []string{"aaaaaaaaaaaaXYZ", "bbbbbbbbbbbbcdef"} {
		if msg, _, err := c.NameConflict(ctx, id); msg != "" || err != nil {
			t.Errorf("%s: NameConflict = %q, %v, want no conflict", id, msg, err)
		}
	}
	lists := map[string]int{}
	for _, a := range meta.Actions() {
		if a.GetVerb() != "list" {
			t.Errorf("metadata %s %s: the check only lists", a.GetVerb(), a.GetResource().Resource)
		}
		lists[a.GetResource().Resource]++
	}
	for _, k := range nameKinds {
		if lists[k.gvr.Resource] != 1 {
			t.Errorf("%s listed %d times for four checks, want once", k.gvr.Resource, lists[k.gvr.Resource])
		}
	}
	for _, a := range cs.Actions() {
		if a.GetVerb() == "get" {
			t.Errorf("the plan's check read %s by name", a.GetResource().Resource)
		}
	}
}

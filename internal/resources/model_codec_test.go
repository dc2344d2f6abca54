// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package resources

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

func workspaceSchemaForTest(t *testing.T) tfsdk.Plan {
	t.Helper()
	var resp resource.SchemaResponse
	(&workspaceResource{}).Schema(context.Background(), resource.SchemaRequest{}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatal(resp.Diagnostics)
	}
	return tfsdk.Plan{Schema: resp.Schema}
}

// sampleModels mix known, null and unknown values of every kind of field.
func sampleModels(t *testing.T) map[string]workspaceModel {
	t.Helper()
	ctx := context.Background()
	plan := workspaceSchemaForTest(t)
	timeoutsType := plan.Schema.GetAttributes()["timeouts"].GetType().(timeouts.Type)
	full := workspaceModel{}
	full.WorkspaceID = types.StringValue("ws-1")
	full.Name = types.StringValue("one")
	full.Runtime = types.StringValue("langgraph")
	full.Tier = types.Int64Value(2)
	full.Image = types.StringUnknown()
	full.ImageID = types.StringValue("sha256:abc")
	full.Status = types.StringUnknown()
	full.Running = types.BoolValue(true)
	full.ContainerID = types.StringNull()
	full.ContainerName = types.StringValue("ws-ws-1")
	full.Network = types.StringValue("net")
	full.ConfigVolume = types.StringValue("ws-ws-1-configs")
	full.WorkspaceVolume = types.StringValue("")
	full.WorkspaceAccess = types.StringValue("none")
	full.WorkspacePath = types.StringNull()
	full.HostURL = types.StringValue("http://127.0.0.1:1234")
	full.InternalURL = types.StringValue("http://ws-ws-1:8000")
	full.Labels = mapValue(map[string]string{"team": "a", "env": "prod"}, false)
	full.MemoryMB = types.Int64Value(512)
	full.CPUs = types.Float64Value(1.5)
	full.PlatformURL = types.StringValue("http://platform")
	full.RestartCount = types.Int64Unknown()
	full.OOMKilled = types.BoolValue(false)
	full.Isolation = types.StringValue("default")
	full.ID = types.StringValue("ws-1")
	full.ImagePull = types.StringNull()
	full.ImageDigest = types.StringValue("sha256:def")
	full.TemplatePath = types.StringNull()
	full.ConfigFiles = mapValue(map[string]string{"config.yaml": "name: x\n"}, false)
	full.Env = types.MapUnknown(types.StringType)
	full.SecretEnvWO = types.MapNull(types.StringType)
	full.SecretEnvWOVersion = types.Int64Null()
	full.PlatformTokenWO = types.StringValue("secret")
	full.PlatformTokenWOVer = types.Int64Value(3)
	full.AwarenessURL = types.StringNull()
	full.AwarenessNamespace = types.StringNull()
	full.KeepVolumes = types.BoolValue(false)
	full.WaitForReady = types.BoolUnknown()
	full.ReadyPath = types.StringValue("/health")
	obj, diags := types.ObjectValue(timeoutsType.AttributeTypes(), map[string]attr.Value{
		"create": types.StringValue("10m"), "update": types.StringNull(), "delete": types.StringUnknown(),
	})
	if diags.HasError() {
		t.Fatal(diags)
	}
	full.Timeouts = timeouts.Value{Object: obj}
	full.ConfigSHA256 = types.MapValueMust(types.StringType, map[string]attr.Value{"config.yaml": types.StringValue("h")})

	// All null, as the state of an import before its first read.
	var nulls workspaceModel
	raw := tftypes.NewValue(plan.Schema.Type().TerraformType(ctx), nullAttributes(ctx, plan))
	if d := (tfsdk.State{Schema: plan.Schema, Raw: raw}).Get(ctx, &nulls); d.HasError() {
		t.Fatal(d)
	}
	return map[string]workspaceModel{"mixed": full, "all null": nulls}
}

func nullAttributes(ctx context.Context, plan tfsdk.Plan) map[string]tftypes.Value {
	out := map[string]tftypes.Value{}
	for name, a := range plan.Schema.GetAttributes() {
		out[name] = tftypes.NewValue(a.GetType().TerraformType(ctx), nil)
	}
	return out
}

// The codec must give exactly what the framework's Set and Get give.
func TestModelCodecMatchesFrameworkGetAndSet(t *testing.T) {
	ctx := context.Background()
	schema := workspaceSchemaForTest(t)
	for name, model := range sampleModels(t) {
		t.Run(name, func(t *testing.T) {
			want := tfsdk.Plan{Schema: schema.Schema}
			if d := want.Set(ctx, &model); d.HasError() {
				t.Fatal(d)
			}
			var got tftypes.Value
			if d := writeModel(ctx, schema.Schema, &got, &model); d.HasError() {
				t.Fatal(d)
			}
			if !got.Equal(want.Raw) {
				t.Fatalf("codec value differs from the framework's Set:\n got %v\nwant %v", got, want.Raw)
			}

			var fromFramework, fromCodec workspaceModel
			if d := want.Get(ctx, &fromFramework); d.HasError() {
				t.Fatal(d)
			}
			if d := readModel(ctx, schema.Schema, want.Raw, &fromCodec); d.HasError() {
				t.Fatal(d)
			}
			if !reflect.DeepEqual(fromCodec, fromFramework) {
				t.Fatalf("codec read differs from the framework's Get:\n got %+v\nwant %+v", fromCodec, fromFramework)
			}
			if !reflect.DeepEqual(fromCodec, model) {
				t.Fatalf("round trip changed the model:\n got %+v\nwant %+v", fromCodec, model)
			}
		})
	}
}

func TestModelCodecRefusesWhatTheFrameworkRefuses(t *testing.T) {
	ctx := context.Background()
	schema := workspaceSchemaForTest(t)

	var m workspaceModel
	null := tftypes.NewValue(schema.Schema.Type().TerraformType(ctx), nil)
	if d := readModel(ctx, schema.Schema, null, &m); !d.HasError() {
		t.Fatal("reading a null object must fail, as the framework's Get does")
	}

	bad := sampleModels(t)["mixed"]
	bad.Labels = types.Map{} // no element type: not a map of strings
	var raw tftypes.Value
	if d := writeModel(ctx, schema.Schema, &raw, &bad); !d.HasError() || !strings.Contains(d[0].Detail(), "labels") {
		t.Fatalf("writing a value of the wrong type must fail naming the attribute, got %v", d)
	}
	if !raw.Equal(tftypes.Value{}) {
		t.Fatal("a failed write must leave the value alone")
	}

	type missingField struct {
		WorkspaceID types.String `tfsdk:"workspace_id"`
	}
	if _, err := newModelCodec(ctx, reflect.TypeFor[missingField](), schema.Schema.Type()); err == nil || !strings.Contains(err.Error(), "has no field") {
		t.Fatalf("a struct without every attribute must be refused, got %v", err)
	}
	type extraField struct {
		workspaceModel
		Extra types.String `tfsdk:"extra"`
	}
	if _, err := newModelCodec(ctx, reflect.TypeFor[extraField](), schema.Schema.Type()); err == nil || !strings.Contains(err.Error(), "not an attribute") {
		t.Fatalf("a field that is no attribute must be refused, got %v", err)
	}
	oneInt := types.ObjectType{AttrTypes: map[string]attr.Type{"workspace_id": types.Int64Type}}
	if _, err := newModelCodec(ctx, reflect.TypeFor[missingField](), oneInt); err == nil || !strings.Contains(err.Error(), "holds") {
		t.Fatalf("a field of the wrong value type must be refused, got %v", err)
	}
}

func TestMarkVolatileUnknown(t *testing.T) {
	m := sampleModels(t)["mixed"]
	before := m
	markVolatileUnknown(&m)
	if !m.Status.IsUnknown() || !m.RestartCount.IsUnknown() || !m.OOMKilled.IsUnknown() || !m.HostURL.IsUnknown() {
		t.Fatalf("status, restart_count, oom_killed and host_url must be unknown: %+v", m)
	}
	m.Status, m.RestartCount, m.OOMKilled, m.HostURL = before.Status, before.RestartCount, before.OOMKilled, before.HostURL
	if !reflect.DeepEqual(m, before) {
		t.Fatal("nothing else may change")
	}
}

func TestModelCodecMatchesFrameworkForPlatformModel(t *testing.T) {
	ctx := context.Background()
	var resp resource.SchemaResponse
	(&platformWorkspaceResource{}).Schema(ctx, resource.SchemaRequest{}, &resp)
	model := platformWorkspaceModel{
		ID: types.StringValue("id-1"), Name: types.StringValue("alpha"), Role: types.StringNull(),
		Tier: types.Int64Unknown(), ParentID: types.StringNull(), BudgetLimit: types.Float64Value(12.5),
		MaxConcurrentTasks: types.Int64Null(), AuthToken: types.StringValue("tok"),
		Status: types.StringUnknown(), Runtime: types.StringValue("external"),
	}
	want := tfsdk.State{Schema: resp.Schema}
	if d := want.Set(ctx, &model); d.HasError() {
		t.Fatal(d)
	}
	var got tftypes.Value
	if d := writeModel(ctx, resp.Schema, &got, &model); d.HasError() {
		t.Fatal(d)
	}
	if !got.Equal(want.Raw) {
		t.Fatalf("codec value differs from the framework's Set:\n got %v\nwant %v", got, want.Raw)
	}
	var fromFramework, fromCodec platformWorkspaceModel
	if d := want.Get(ctx, &fromFramework); d.HasError() {
		t.Fatal(d)
	}
	if d := readModel(ctx, resp.Schema, want.Raw, &fromCodec); d.HasError() {
		t.Fatal(d)
	}
	if !reflect.DeepEqual(fromCodec, fromFramework) || !reflect.DeepEqual(fromCodec, model) {
		t.Fatalf("codec read differs:\n got %+v\nwant %+v", fromCodec, fromFramework)
	}
}

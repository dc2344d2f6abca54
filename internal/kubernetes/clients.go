// Copyright (c) Molecule AI
// SPDX-License-Identifier: MPL-2.0

package kubernetes

import (
	"fmt"

	"k8s.io/client-go/discovery"
	appsv1client "k8s.io/client-go/kubernetes/typed/apps/v1"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/rest"
)

// apiClients is the part of client-go's clientset the backend uses (the fake
// clientset of the unit tests has it too). Building only these clients, not
// client-go's whole clientset, keeps the other API groups' clients and apply
// configurations out of the provider binary: every provider process
// Terraform starts, three to five per command, pays their package
// initialisation before its handshake.
type apiClients interface {
	CoreV1() corev1client.CoreV1Interface
	AppsV1() appsv1client.AppsV1Interface
	Discovery() discovery.DiscoveryInterfaces
}

type typedClients struct {
	core *corev1client.CoreV1Client
	apps *appsv1client.AppsV1Client
	disc *discovery.DiscoveryClient
}

func (t *typedClients) CoreV1() corev1client.CoreV1Interface     { return t.core }
func (t *typedClients) AppsV1() appsv1client.AppsV1Interface     { return t.apps }
func (t *typedClients) Discovery() discovery.DiscoveryInterfaces { return t.disc }

// newAPIClients builds the clients over one shared HTTP client, as
// client-go's clientset does.
func newAPIClients(rc *rest.Config) (*typedClients, error) {
	hc, err := rest.HTTPClientFor(rc)
	if err != nil {
		return nil, err
	}
	t := &typedClients{}
	if t.core, err = corev1client.NewForConfigAndClient(rc, hc); err != nil {
		return nil, fmt.Errorf("core/v1 client: %w", err)
	}
	if t.apps, err = appsv1client.NewForConfigAndClient(rc, hc); err != nil {
		return nil, fmt.Errorf("apps/v1 client: %w", err)
	}
	if t.disc, err = discovery.NewDiscoveryClientForConfigAndClient(rc, hc); err != nil {
		return nil, fmt.Errorf("discovery client: %w", err)
	}
	return t, nil
}

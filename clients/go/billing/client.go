// Package billing connects to the platform's internal gRPC services (bill-service and
// rates-service) with the service credential, over HTTP/2 without TLS as they serve on a private
// network. The clients themselves are generated from proto/ into ../gen (never edited).
package billing

import (
	"context"
	"net/http"

	"billing-platform/clients/go/gen/billing/v1/billingv1connect"
	"billing-platform/clients/go/gen/rates/v1/ratesv1connect"
	"connectrpc.com/connect"
	"connectrpc.com/grpcreflect"
)

// ServiceTokenHeader carries the service credential (BILLING_SERVICE_TOKEN) on every call.
const ServiceTokenHeader = "x-billing-service-token"

// Clients are the services a caller with the service credential may use.
type Clients struct {
	Bills    billingv1connect.BillServiceClient
	Mandates billingv1connect.MandateServiceClient
	Ledger   billingv1connect.LedgerServiceClient
	Events   billingv1connect.EventServiceClient
	Rates    ratesv1connect.RatesServiceClient
}

// Connect returns clients of the bill-service at billURL and the rates-service at ratesURL
// (e.g. http://127.0.0.1:50051), speaking gRPC over cleartext HTTP/2 and sending token with
// every call.
func Connect(billURL, ratesURL, token string) Clients {
	httpClient := h2cClient()
	options := []connect.ClientOption{connect.WithGRPC(), connect.WithInterceptors(withToken(token))}
	return Clients{
		Bills:    billingv1connect.NewBillServiceClient(httpClient, billURL, options...),
		Mandates: billingv1connect.NewMandateServiceClient(httpClient, billURL, options...),
		Ledger:   billingv1connect.NewLedgerServiceClient(httpClient, billURL, options...),
		Events:   billingv1connect.NewEventServiceClient(httpClient, billURL, options...),
		Rates:    ratesv1connect.NewRatesServiceClient(httpClient, ratesURL, options...),
	}
}

// Services lists the services the server at url offers, read over gRPC server reflection as
// `grpcurl list` reads them (reflection needs no credential).
func Services(ctx context.Context, url string) ([]string, error) {
	stream := grpcreflect.NewClient(h2cClient(), url, connect.WithGRPC()).NewStream(ctx)
	defer func() { _, _ = stream.Close() }()
	names, err := stream.ListServices()
	if err != nil {
		return nil, err
	}
	services := make([]string, 0, len(names))
	for _, name := range names {
		services = append(services, string(name))
	}
	return services, nil
}

// h2cClient speaks HTTP/2 without TLS ("prior knowledge"), as gRPC needs; net/http does it itself since Go 1.24.
func h2cClient() *http.Client {
	protocols := new(http.Protocols)
	protocols.SetUnencryptedHTTP2(true)
	return &http.Client{Transport: &http.Transport{Protocols: protocols}}
}

// withToken adds the service credential to every unary and streaming call.
func withToken(token string) connect.Interceptor {
	return tokenInterceptor{token: token}
}

type tokenInterceptor struct{ token string }

func (t tokenInterceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, request connect.AnyRequest) (connect.AnyResponse, error) {
		request.Header().Set(ServiceTokenHeader, t.token)
		return next(ctx, request)
	}
}

func (t tokenInterceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return func(ctx context.Context, spec connect.Spec) connect.StreamingClientConn {
		conn := next(ctx, spec)
		conn.RequestHeader().Set(ServiceTokenHeader, t.token)
		return conn
	}
}

func (t tokenInterceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return next
}

package inbox

import (
	"context"

	"github.com/rapport-health/rapport"
	"github.com/rapport-health/rapport/internal/meta"
)

// MetaConnector lets the inbox answer on a Facebook Page or an Instagram
// account through the Graph API. Items arrive by webhook, so Fetch returns
// nothing; Publish answers a comment (a new Page post is publishing's
// job, not the inbox's); SendDM answers someone who wrote to the Page.
type MetaConnector struct {
	network rapport.Network
	graph   *meta.GraphClient
}

// NewMetaConnector returns a connector on network (facebook or instagram).
func NewMetaConnector(network rapport.Network, g *meta.GraphClient) (*MetaConnector, error) {
	if network != rapport.NetworkFacebook && network != rapport.NetworkInstagram {
		return nil, rapport.Errorf(rapport.EINVALID, "meta connector: network must be facebook or instagram")
	}
	return &MetaConnector{network: network, graph: g}, nil
}

var _ rapport.Connector = (*MetaConnector)(nil)

// Network names the network.
func (c *MetaConnector) Network() rapport.Network { return c.network }

// Fetch returns nothing: Meta delivers items by webhook.
func (c *MetaConnector) Fetch(_ context.Context, cursor string) ([]rapport.SocialItem, string, error) {
	return nil, cursor, nil
}

// Publish answers the comment p.InReplyTo.
func (c *MetaConnector) Publish(ctx context.Context, p rapport.Post) (rapport.PostRef, error) {
	if p.InReplyTo == "" {
		return rapport.PostRef{}, rapport.Errorf(rapport.EINVALID, "meta connector: the inbox only answers comments")
	}
	if c.network == rapport.NetworkInstagram {
		return c.graph.ReplyToInstagramComment(ctx, p.InReplyTo, p.Text)
	}
	return c.graph.ReplyToComment(ctx, p.InReplyTo, p.Text)
}

// SendDM messages the page-scoped id of someone who wrote to the Page.
func (c *MetaConnector) SendDM(ctx context.Context, authorID, text string) (rapport.PostRef, error) {
	return c.graph.SendMessage(ctx, authorID, text)
}

// Metrics is not read through the inbox's connector.
func (c *MetaConnector) Metrics(context.Context) (rapport.AccountMetrics, error) {
	return rapport.AccountMetrics{}, rapport.Errorf(rapport.EINVALID, "meta connector: account metrics are not supported")
}

import { z } from "zod";

/**
 * JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/): the top-level and item fields the spec
 * defines, required where it says so, and nothing else (`strict`), so a field we add by mistake fails.
 */
const author = z.object({ name: z.string().optional(), url: z.string().url().optional(), avatar: z.string().url().optional() }).strict();
const rfc3339 = z.string().datetime({ offset: true });
const JsonFeedItem = z
  .object({
    id: z.string().min(1),
    url: z.string().url().optional(),
    external_url: z.string().url().optional(),
    title: z.string().optional(),
    content_html: z.string().optional(),
    content_text: z.string().optional(),
    summary: z.string().optional(),
    image: z.string().url().optional(),
    banner_image: z.string().url().optional(),
    date_published: rfc3339.optional(),
    date_modified: rfc3339.optional(),
    authors: z.array(author).optional(),
    tags: z.array(z.string()).optional(),
    language: z.string().optional(),
    attachments: z.array(z.object({ url: z.string().url(), mime_type: z.string(), title: z.string().optional(), size_in_bytes: z.number().optional(), duration_in_seconds: z.number().optional() }).strict()).optional(),
  })
  .strict()
  .refine((item) => item.content_html !== undefined || item.content_text !== undefined, "an item has content_html or content_text");
export const JsonFeed = z
  .object({
    version: z.literal("https://jsonfeed.org/version/1.1"),
    title: z.string().min(1),
    home_page_url: z.string().url().optional(),
    feed_url: z.string().url().optional(),
    description: z.string().optional(),
    user_comment: z.string().optional(),
    next_url: z.string().url().optional(),
    icon: z.string().url().optional(),
    favicon: z.string().url().optional(),
    authors: z.array(author).optional(),
    language: z.string().optional(),
    expired: z.boolean().optional(),
    hubs: z.array(z.object({ type: z.string(), url: z.string().url() })).optional(),
    items: z.array(JsonFeedItem),
  })
  .strict();


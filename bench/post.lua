-- wrk: each request posts a new comment, as JSON.
-- Usage: wrk ... -s bench/post.lua http://127.0.0.1:PORT -- RUN_PREFIX [new|one]
--   new (default): each comment to an article nobody used before;
--   one: every comment to ONE article, by one of 50 returning authors (name and email),
--        so screening's duplicate and trusted-author look-ups run;
--   isso: as `new`, to Isso's POST /new?uri=... (its field names, and a title, which Isso
--        needs for a new thread instead of fetching the page).
local threads = {}
local prefix = "bench"
local mode = "new"
local counter = 0

function setup(thread)
   thread:set("id", #threads + 1)
   table.insert(threads, thread)
end

function init(args)
   prefix = args[1] or prefix
   mode = args[2] or mode
end

function request()
   counter = counter + 1
   local path, author = string.format("/api/v1/articles/%s-%d-%d/comments", prefix, id, counter),
                        string.format("%d-%d", id, counter)
   if mode == "one" then
      path, author = "/api/v1/articles/" .. prefix .. "/comments", tostring(counter % 50)
   end
   if mode == "isso" then
      return wrk.format("POST", string.format("/new?uri=/%s-%d-%d", prefix, id, counter),
         {["Content-Type"] = "application/json"}, string.format(
         '{"author": "Lecteur %s", "email": "lecteur%s@example.org", "title": "Article", ' ..
         '"text": "Merci pour cet article (%s %d, fil %d). Je reviens sur le deuxi\\u00e8me point : ' ..
         'la gestion de projet en IA demande des jalons courts et des revues fr\\u00e9quentes. ' ..
         'Voir https://example.org/retour-%d"}',
         author, author, prefix, counter, id, counter))
   end
   local body = string.format(
      '{"name": "Lecteur %s", "email": "lecteur%s@example.org", ' ..
      '"text": "Merci pour cet article (%s %d, fil %d). Je reviens sur le deuxi\\u00e8me point : ' ..
      'la gestion de projet en IA demande des jalons courts et des revues fr\\u00e9quentes. ' ..
      'Voir https://example.org/retour-%d"}',
      author, author, prefix, counter, id, counter)
   return wrk.format("POST", path, {["Content-Type"] = "application/json"}, body)
end

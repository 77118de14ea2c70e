-- wrk: each request posts a new comment, as JSON, to ONE article, by one of 50 returning
-- authors (name and email), so screening's duplicate and trusted-author look-ups run.
-- Usage: wrk ... -s bench/post_one_article.lua http://127.0.0.1:PORT -- RUN_PREFIX
local threads = {}
local prefix = "bench"
local counter = 0

function setup(thread)
   thread:set("id", #threads + 1)
   table.insert(threads, thread)
end

function init(args)
   prefix = args[1] or prefix
end

function request()
   counter = counter + 1
   local author = counter % 50
   local body = string.format(
      '{"name": "Lecteur %d", "email": "lecteur%d@example.org", ' ..
      '"text": "Merci pour cet article (%s %d, fil %d). Je reviens sur le deuxi\\u00e8me point : ' ..
      'la gestion de projet en IA demande des jalons courts, des revues fr\\u00e9quentes et ' ..
      'une \\u00e9quipe qui sait dire non. Voir https://example.org/retour-%d"}',
      author, author, prefix, counter, id, counter)
   return wrk.format("POST", "/api/v1/articles/" .. prefix .. "/comments",
                     {["Content-Type"] = "application/json"}, body)
end

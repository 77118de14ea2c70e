-- wrk: each request posts a new comment, as JSON, to an article nobody used before.
-- Usage: wrk ... -s bench/post.lua http://127.0.0.1:PORT -- RUN_PREFIX
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
   local path = string.format("/api/v1/articles/%s-%d-%d/comments", prefix, id, counter)
   local body = string.format(
      '{"name": "Lecteur %d-%d", "email": "lecteur%d.%d@example.org", ' ..
      '"text": "Merci pour cet article (%d, fil %d). Je reviens sur le deuxi\\u00e8me point : ' ..
      'la gestion de projet en IA demande des jalons courts et des revues fr\\u00e9quentes."}',
      id, counter, id, counter, counter, id)
   return wrk.format("POST", path, {["Content-Type"] = "application/json"}, body)
end
